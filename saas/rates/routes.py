"""Rate-version endpoints: thin handlers over ``saas.rates.service.RateVersions``.

Roles: admin drafts, tests, deploys and rolls back; approver tests, approves and rejects;
compliance (and the two above) reads. The role is checked by each route's guard before any query
parameter or body is read, so a caller without the right learns nothing about what a valid
request would be.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import MediaType, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, QueryParameter

from saas.http_body import PathId, decode_body, documented_body, read_body
from saas.openapi import extended
from saas.quote.schemas import StateCode
from saas.rates import examples
from saas.rates.diff import RateDiff, render_text
from saas.rates.impact_render import render_svg
from saas.rates.impact_render import render_text as impact_text
from saas.rates.log import version_detail, version_diff, version_log
from saas.rates.schemas import (
    DeployRequest,
    DraftRequest,
    RejectRequest,
    RollbackRequest,
    Status,
    TestRequest,
    TestRun,
    VersionDetail,
    VersionLog,
    VersionSummary,
)
from saas.rates.service import RateVersions
from saas.rates.validation import decode_table
from saas.tenancy.guards import DatabaseDep, PrincipalDep, allow

RateVersionsDep = NamedDependency[RateVersions]
"""The rate-version workflow, provided by the app factory as ``rate_versions``."""
DRAFT = frozenset({"admin"})
TEST = frozenset({"admin", "approver"})
APPROVE = frozenset({"approver"})
READ = frozenset({"admin", "approver", "compliance"})
Id = PathId
VERSION_LINKS = {name: (operation, {"version_id": "$response.body#/id"}) for name, operation in (
    ("GetVersion", "getRateVersion"), ("DiffVersion", "diffRateVersion"), ("TestVersion", "testRateVersion"),
    ("ApproveVersion", "approveRateVersion"), ("RejectVersion", "rejectRateVersion"),
    ("DeployVersion", "deployRateVersion"))}
"""A drafted version's id is what every other rate-version operation takes."""
AGAINST = r"^(deployed|[A-Za-z0-9_-]{1,64})$"
CONFLICTS = {"problems": (409,)}
"""Workflow steps answer 409 when the version is in the wrong status for them."""


@post("/v1/rate-versions", operation_id="draftRateVersion", tags=["rates"], status_code=201, guards=[allow(DRAFT)],
      dependencies=documented_body(DraftRequest, examples.DRAFT), operation_class=extended(201, links=VERSION_LINKS),
      responses={200: ResponseSpec(data_container=VersionSummary, generate_examples=False,
                                   description="a version of the same content already exists: it is returned")})
async def draft_version(rate_versions: RateVersionsDep, principal: PrincipalDep,
                        request: Request[Any, Any, Any]) -> Response[VersionSummary]:
    """Propose a rate table: 201 with a new draft, 200 with the existing version of the same content."""
    body = await read_body(request, DraftRequest)
    spec = decode_table(msgspec.json.decode(body.table))
    version, created = await rate_versions.draft(principal, spec, body.message, filing_reference=body.filing_reference,
                                         expiry_date=body.expiry_date)
    return Response(version, status_code=201 if created else 200)


@get("/v1/rate-versions", operation_id="listRateVersions", tags=["rates"], guards=[allow(READ)])
async def list_versions(
    db: DatabaseDep, principal: PrincipalDep,
    us_state: Annotated[StateCode | None, QueryParameter(name="state", description="two-letter state")] = None,
    product: FromQuery[Literal["auto"] | None] = None, status: FromQuery[Status | None] = None,
) -> VersionLog:
    """The log of the tenant's rate versions, newest first, with who, when and why."""
    async with db.sessions() as session:
        return VersionLog(await version_log(session, principal.tenant_id, state=us_state, product=product,
                                            status=status))


@get("/v1/rate-versions/{version_id:str}", operation_id="getRateVersion", tags=["rates"], guards=[allow(READ)])
async def get_version(db: DatabaseDep, principal: PrincipalDep, version_id: Id) -> VersionDetail:
    """A version with its full table, status history, deployments and test runs."""
    async with db.sessions() as session:
        return await version_detail(session, principal.tenant_id, version_id)


@get("/v1/rate-versions/{version_id:str}/diff", operation_id="diffRateVersion", tags=["rates"], guards=[allow(READ)],
     operation_class=extended(200, media={"text/plain; charset=utf-8": "the changes as text (format=text)"}))
async def diff_version(
    db: DatabaseDep, principal: PrincipalDep, version_id: Id,
    against: Annotated[str, QueryParameter(pattern=AGAINST, description="'deployed' or a version id")] = "deployed",
    fmt: Annotated[Literal["json", "text"], QueryParameter(name="format")] = "json",
) -> Response[Any]:
    """Factor-level changes against the deployed version or another version (``?against=<id>``)."""
    async with db.sessions() as session:
        diff: RateDiff = await version_diff(session, principal.tenant_id, version_id, against)
    if fmt == "text":
        return Response(render_text(diff), media_type=MediaType.TEXT)
    return Response(diff)


@post("/v1/rate-versions/{version_id:str}/test", operation_id="testRateVersion", tags=["rates"], status_code=200,
      guards=[allow(TEST)], dependencies=documented_body(TestRequest, examples.TEST), opt=CONFLICTS,
      operation_class=extended(200, media={"text/plain; charset=utf-8": "the impact exhibit as text (format=text)",
                                           "image/svg+xml": "the impact exhibit as a chart (format=svg)"}))
async def test_version(
    rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id, request: Request[Any, Any, Any],
    fmt: Annotated[Literal["json", "text", "svg"], QueryParameter(name="format")] = "json",
) -> Response[Any]:
    """Rate scenarios (or the tenant's recent quotes) with this version and with today's; the impact exhibit."""
    run: TestRun = await rate_versions.test(principal, version_id, await read_body(request, TestRequest))
    if fmt == "json" or run.impact is None:
        return Response(run)
    if fmt == "svg":
        return Response(render_svg(run.impact), media_type="image/svg+xml")
    return Response(impact_text(run.impact), media_type=MediaType.TEXT)


@post("/v1/rate-versions/{version_id:str}/approve", operation_id="approveRateVersion", tags=["rates"], status_code=200,
      guards=[allow(APPROVE)], opt=CONFLICTS)
async def approve_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id) -> VersionSummary:
    """Four eyes: an approver who is not the author, after an impact test of this exact content."""
    return await rate_versions.approve(principal, version_id)


@post("/v1/rate-versions/{version_id:str}/reject", operation_id="rejectRateVersion", tags=["rates"], status_code=200,
      guards=[allow(APPROVE)], dependencies=documented_body(RejectRequest, examples.REJECT), opt=CONFLICTS)
async def reject_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id,
                         request: Request[Any, Any, Any]) -> VersionSummary:
    body = await read_body(request, RejectRequest)
    return await rate_versions.reject(principal, version_id, body.reason)


@post("/v1/rate-versions/{version_id:str}/deploy", operation_id="deployRateVersion", tags=["rates"], status_code=200,
      guards=[allow(DRAFT)], dependencies=documented_body(DeployRequest, examples.DEPLOY), opt=CONFLICTS,
      operation_class=extended(200, optional_body=True))
async def deploy_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id,
                         request: Request[Any, Any, Any]) -> VersionSummary:
    """Put an approved version in force (a future date schedules it); one per state, product and date."""
    raw = await request.body()
    body = decode_body(raw, DeployRequest) if raw.strip() else DeployRequest()
    return await rate_versions.deploy(principal, version_id, body)


@post("/v1/rate-versions/rollback", operation_id="rollbackRateVersion", tags=["rates"], status_code=200,
      guards=[allow(DRAFT)], dependencies=documented_body(RollbackRequest, examples.ROLLBACK), opt=CONFLICTS)
async def rollback_version(rate_versions: RateVersionsDep, principal: PrincipalDep,
                           request: Request[Any, Any, Any]) -> VersionSummary:
    """Redeploy the version in force before the current one (a new deployment; history is kept)."""
    body = await read_body(request, RollbackRequest)
    return await rate_versions.rollback(principal, body.state, body.product)


@route("/v1/rate-versions", http_method=["OPTIONS"], include_in_schema=False, sync_to_thread=False)
def rate_versions_options() -> Response[None]:
    """Litestar builds the automatic OPTIONS answer of a path from its first handler only, so this
    path, served by two handlers (list and draft), would answer ``Allow: OPTIONS, POST``."""
    return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, POST"})


ROUTES = [rate_versions_options, draft_version, list_versions, get_version, diff_version, test_version,
          approve_version, reject_version, deploy_version, rollback_version]
