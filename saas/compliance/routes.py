"""Adverse-action notices, the register and the compliance bundle: thin handlers over ``ComplianceService``.

A notice is served as JSON, plain text or HTML (``?format=`` wins over ``Accept``). Another
tenant's decision id answers 404 exactly like an unknown one: the lookup is tenant-scoped.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from saas.compliance.render import as_html, as_text
from saas.compliance.schemas import Notice, Register
from saas.compliance.service import ComplianceService
from saas.http_body import PathId
from saas.openapi import extended
from saas.tenancy.guards import COMPLIANCE, READ_DECISIONS, PrincipalDep, allow

ComplianceDep = NamedDependency[ComplianceService]
"""The compliance service, provided by the app factory as ``compliance``."""
Period = Annotated[str, QueryParameter(name="period", pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                                       description="a calendar month, YYYY-MM (UTC)")]
Format = Literal["json", "text", "html"]
MEDIA: dict[str, str] = {"json": MediaType.JSON, "text": "text/plain; charset=utf-8",
                         "html": "text/html; charset=utf-8"}


def negotiated(fmt: Format | None, accept: str) -> Format:
    if fmt is not None:
        return fmt
    for part in (p.split(";")[0].strip().lower() for p in accept.split(",")):
        if part == "text/html":
            return "html"
        if part == "text/plain":
            return "text"
        if part in ("application/json", "*/*", "application/*"):
            return "json"
    return "json"


@get("/v1/decisions/{decision_id:str}/adverse-action", operation_id="getAdverseAction", tags=["compliance"],
     guards=[allow(READ_DECISIONS)],
     responses={200: ResponseSpec(data_container=Notice, description="the notice (format=json)")},
     operation_class=extended(200, media={MEDIA["text"]: "the notice as plain text (format=text)",
                                          MEDIA["html"]: "the notice as an HTML page (format=html)"}))
async def get_adverse_action(
    compliance: ComplianceDep, principal: PrincipalDep, decision_id: PathId, request: Request[Any, Any, Any],
    fmt: Annotated[Format | None, QueryParameter(name="format", description="json, text or html")] = None,
) -> Response[Any]:
    """The adverse-action notice of a decision: reasons with their dollar effects, data source, rights."""
    notice = await compliance.notice(principal.tenant_id, decision_id)
    chosen = negotiated(fmt, request.headers.get("accept", ""))
    if chosen == "json":
        return Response(notice, media_type=MEDIA["json"])
    body = as_text(notice) if chosen == "text" else as_html(notice)
    return Response(body, media_type=MEDIA[chosen])


@get("/v1/adverse-actions", operation_id="listAdverseActions", tags=["compliance"], guards=[allow(COMPLIANCE)])
async def list_adverse_actions(compliance: ComplianceDep, principal: PrincipalDep, period: Period) -> Register:
    """The period's register: every notice, and adverse decisions vs notices, reason mix, days to delivery."""
    return await compliance.register(principal.tenant_id, period)


@get("/v1/compliance/bundle", operation_id="getComplianceBundle", tags=["compliance"], guards=[allow(COMPLIANCE)],
     media_type="application/zip")
async def get_compliance_bundle(compliance: ComplianceDep, principal: PrincipalDep, period: Period) -> Stream:
    """One zip with the month's audit export and its verification, versions in force, runs, drift, model
    card, adverse-action register and fairness reports, and a manifest anchored in the audit chain."""
    chunks = await compliance.bundle_stream(principal.tenant_id, period, made_by=f"{principal.name} "
                                                                                 f"({principal.key_id})")
    name = f"compliance-{principal.tenant_id}-{period}.zip"
    return Stream(chunks, media_type="application/zip",
                  headers={"Content-Disposition": f'attachment; filename="{name}"'})


ROUTES = [get_adverse_action, list_adverse_actions, get_compliance_bundle]
