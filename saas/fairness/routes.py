"""Fairness endpoints: thin handlers over ``FairnessService``, for ``compliance`` keys only.

The proxies are protected data about drivers (inferred race and ethnicity): no other role reads or
writes them, not even ``admin``, and the guard refuses any other key before the body is read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, delete, get, post, route
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from saas.fairness.render import render_csv, render_html
from saas.fairness.schemas import (
    MAX_PROXY_CSV_BYTES,
    GateRecord,
    ProxyImport,
    Report,
    ReportList,
    ReportRequest,
    Signoff,
    SignoffRequest,
)
from saas.fairness.service import FairnessService
from saas.http_body import PathId, documented_body, read_body
from saas.openapi import extended
from saas.tenancy.guards import PrincipalDep, allow
from saas.versioning.gate import subject

FairnessDep = NamedDependency[FairnessService]
"""The fairness service, provided by the app factory as ``fairness``."""
COMPLIANCE = frozenset({"compliance"})
CONFLICTS = {"problems": (409,)}
REPORT_EXAMPLE: list[Any] = []


@post("/v1/fairness/proxies", operation_id="importFairnessProxies", tags=["fairness"], status_code=200,
      guards=[allow(COMPLIANCE)], request_max_body_size=MAX_PROXY_CSV_BYTES, opt={"problems": (413, 422)})
async def import_proxies(fairness: FairnessDep, principal: PrincipalDep,
                         request: Request[Any, Any, Any]) -> ProxyImport:
    """A CSV ``driver_id,surname,first_name,zip`` (first name optional): BISG/BIFSG probabilities are
    stored for each driver, never the names; any bad row refuses the whole file (422, every row listed)."""
    return await fairness.import_proxies(principal, await request.body())


@delete("/v1/fairness/proxies/{driver_id:str}", operation_id="deleteFairnessProxy", tags=["fairness"],
        guards=[allow(COMPLIANCE)])
async def delete_proxy(fairness: FairnessDep, principal: PrincipalDep, driver_id: PathId) -> None:
    """Remove one driver's proxy: later reports and gates go without it (the deletion is chained)."""
    await fairness.delete_proxy(principal, driver_id)


@post("/v1/fairness/reports", operation_id="createFairnessReport", tags=["fairness"], status_code=201,
      guards=[allow(COMPLIANCE)], dependencies=documented_body(ReportRequest, REPORT_EXAMPLE), opt=CONFLICTS)
async def create_report(fairness: FairnessDep, principal: PrincipalDep, request: Request[Any, Any, Any]) -> Report:
    """Disparity figures of a scoring month (``period``) or of recent quotes (``quotes_since``), stored and chained."""
    return await fairness.create_report(principal, await read_body(request, ReportRequest))


@get("/v1/fairness/reports", operation_id="listFairnessReports", tags=["fairness"], guards=[allow(COMPLIANCE)])
async def list_reports(fairness: FairnessDep, principal: PrincipalDep) -> ReportList:
    """The tenant's stored reports, newest first, with their hashes and flag counts."""
    return await fairness.list_reports(principal.tenant_id)


@get("/v1/fairness/reports/{report_id:str}", operation_id="getFairnessReport", tags=["fairness"],
     guards=[allow(COMPLIANCE)],
     operation_class=extended(200, media={"text/csv; charset=utf-8": "the figures as CSV (format=csv)",
                                          "text/html; charset=utf-8": "a readable page with charts (format=html)"}))
async def get_report(
    fairness: FairnessDep, principal: PrincipalDep, report_id: PathId,
    fmt: Annotated[Literal["json", "csv", "html"], QueryParameter(name="format")] = "json",
) -> Response[Any]:
    """One stored report as JSON, CSV (one row per outcome, group and figure) or HTML."""
    report = await fairness.get_report(principal.tenant_id, report_id)
    if fmt == "csv":
        return Response(render_csv(report), media_type="text/csv; charset=utf-8")
    if fmt == "html":
        return Response(render_html(report), media_type=MediaType.HTML)
    return Response(report)


GATE_READ = frozenset({"compliance", "admin", "approver"})


@get("/v1/rate-versions/{version_id:str}/fairness", operation_id="getRateVersionFairness", tags=["fairness"],
     guards=[allow(GATE_READ)])
async def rate_version_gate(fairness: FairnessDep, principal: PrincipalDep, version_id: PathId) -> GateRecord:
    """The fairness figures of the version's latest test, before and after, and whether it is signed off."""
    return await fairness.gate_record(principal.tenant_id, subject("rate_version", version_id))


@post("/v1/rate-versions/{version_id:str}/fairness-signoff", operation_id="signOffRateVersionFairness",
      tags=["fairness"], status_code=201, guards=[allow(COMPLIANCE)],
      dependencies=documented_body(SignoffRequest, []), opt=CONFLICTS)
async def sign_off_rate_version(fairness: FairnessDep, principal: PrincipalDep, version_id: PathId,
                                request: Request[Any, Any, Any]) -> Signoff:
    """Sign off a flagged change with a reason: recorded in the chain with the figures signed."""
    body = await read_body(request, SignoffRequest)
    return await fairness.signoff(principal, subject("rate_version", version_id), body.reason)


@get("/v1/config-versions/{version_id:str}/fairness", operation_id="getConfigVersionFairness", tags=["fairness"],
     guards=[allow(GATE_READ)])
async def config_version_gate(fairness: FairnessDep, principal: PrincipalDep, version_id: PathId) -> GateRecord:
    """The fairness figures of the configuration version's latest test on the book, before and after."""
    return await fairness.gate_record(principal.tenant_id, subject("tenant_config", version_id))


@post("/v1/config-versions/{version_id:str}/fairness-signoff", operation_id="signOffConfigVersionFairness",
      tags=["fairness"], status_code=201, guards=[allow(COMPLIANCE)],
      dependencies=documented_body(SignoffRequest, []), opt=CONFLICTS)
async def sign_off_config_version(fairness: FairnessDep, principal: PrincipalDep, version_id: PathId,
                                  request: Request[Any, Any, Any]) -> Signoff:
    """Sign off a flagged configuration change with a reason, chained with the figures signed."""
    body = await read_body(request, SignoffRequest)
    return await fairness.signoff(principal, subject("tenant_config", version_id), body.reason)


@route("/v1/fairness/reports", http_method=["OPTIONS"], include_in_schema=False, sync_to_thread=False)
def reports_options() -> Response[None]:
    """Litestar answers OPTIONS from a path's first handler only; this path has two (GET and POST)."""
    return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, POST"})


ROUTES = [reports_options, import_proxies, delete_proxy, create_report, list_reports, get_report, rate_version_gate,
          sign_off_rate_version, config_version_gate, sign_off_config_version]
