"""Rate-version endpoints: thin handlers over ``saas.rates.service.RateVersions``.

Roles: admin drafts, tests, deploys and rolls back; approver tests, approves and rejects;
compliance (and the two above) reads. The role is checked before the body is read, so a caller
without the right learns nothing about what a valid body would be.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from saas.errors import ValidationFailed
from saas.rates.diff import RateDiff, render_text
from saas.rates.impact_render import render_svg
from saas.rates.impact_render import render_text as impact_text
from saas.rates.log import version_detail, version_diff, version_log
from saas.rates.schemas import (
    DeployRequest,
    DraftRequest,
    RejectRequest,
    RollbackRequest,
    TestRequest,
    TestRun,
    VersionDetail,
    VersionLog,
    VersionSummary,
)
from saas.rates.service import RateVersions
from saas.rates.validation import decode_table
from saas.tenancy.guards import DatabaseDep, PrincipalDep, require

RateVersionsDep = NamedDependency[RateVersions]
"""The rate-version workflow, provided by the app factory as ``rate_versions``."""
DRAFT = frozenset({"admin"})
TEST = frozenset({"admin", "approver"})
APPROVE = frozenset({"approver"})
READ = frozenset({"admin", "approver", "compliance"})
T = TypeVar("T")
Id = FromPath[str]


async def body_of(request: Request[Any, Any, Any], typ: type[T]) -> T:
    try:
        return msgspec.json.decode(await request.body(), type=typ)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        text = str(exc)
        path = "$" + text.split(" - at `$", 1)[1].rstrip("`") if " - at `$" in text else "$"
        raise ValidationFailed(text.split(" - at ")[0], path=path) from None


@post("/v1/rate-versions", operation_id="draftRateVersion", tags=["rates"], status_code=201)
async def draft_version(rate_versions: RateVersionsDep, principal: PrincipalDep,
                        request: Request[Any, Any, Any]) -> Response[VersionSummary]:
    """Propose a rate table: 201 with a new draft, 200 with the existing version of the same content."""
    require(principal, DRAFT)
    body = await body_of(request, DraftRequest)
    spec = decode_table(msgspec.json.decode(body.table))
    version, created = await rate_versions.draft(principal, spec, body.message, filing_reference=body.filing_reference,
                                         expiry_date=body.expiry_date)
    return Response(version, status_code=201 if created else 200)


@get("/v1/rate-versions", operation_id="listRateVersions", tags=["rates"])
async def list_versions(
    db: DatabaseDep, principal: PrincipalDep,
    us_state: Annotated[str | None, QueryParameter(name="state", description="two-letter state")] = None,
    product: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
) -> VersionLog:
    """The log of the tenant's rate versions, newest first, with who, when and why."""
    require(principal, READ)
    async with db.sessions() as session:
        return VersionLog(await version_log(session, principal.tenant_id, state=us_state, product=product,
                                            status=status))


@get("/v1/rate-versions/{version_id:str}", operation_id="getRateVersion", tags=["rates"])
async def get_version(db: DatabaseDep, principal: PrincipalDep, version_id: Id) -> VersionDetail:
    """A version with its full table, status history, deployments and test runs."""
    require(principal, READ)
    async with db.sessions() as session:
        return await version_detail(session, principal.tenant_id, version_id)


@get("/v1/rate-versions/{version_id:str}/diff", operation_id="diffRateVersion", tags=["rates"])
async def diff_version(
    db: DatabaseDep, principal: PrincipalDep, version_id: Id, against: FromQuery[str] = "deployed",
    fmt: Annotated[Literal["json", "text"], QueryParameter(name="format")] = "json",
) -> Response[Any]:
    """Factor-level changes against the deployed version or another version (``?against=<id>``)."""
    require(principal, READ)
    async with db.sessions() as session:
        diff: RateDiff = await version_diff(session, principal.tenant_id, version_id, against)
    if fmt == "text":
        return Response(render_text(diff), media_type=MediaType.TEXT)
    return Response(diff)


@post("/v1/rate-versions/{version_id:str}/test", operation_id="testRateVersion", tags=["rates"], status_code=200)
async def test_version(
    rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id, request: Request[Any, Any, Any],
    fmt: Annotated[Literal["json", "text", "svg"], QueryParameter(name="format")] = "json",
) -> Response[Any]:
    """Rate scenarios (or the tenant's recent quotes) with this version and with today's; the impact exhibit."""
    require(principal, TEST)
    run: TestRun = await rate_versions.test(principal, version_id, await body_of(request, TestRequest))
    if fmt == "json" or run.impact is None:
        return Response(run)
    if fmt == "svg":
        return Response(render_svg(run.impact), media_type="image/svg+xml")
    return Response(impact_text(run.impact), media_type=MediaType.TEXT)


@post("/v1/rate-versions/{version_id:str}/approve", operation_id="approveRateVersion", tags=["rates"], status_code=200)
async def approve_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id) -> VersionSummary:
    """Four eyes: an approver who is not the author, after an impact test of this exact content."""
    require(principal, APPROVE)
    return await rate_versions.approve(principal, version_id)


@post("/v1/rate-versions/{version_id:str}/reject", operation_id="rejectRateVersion", tags=["rates"], status_code=200)
async def reject_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id,
                         request: Request[Any, Any, Any]) -> VersionSummary:
    require(principal, APPROVE)
    body = await body_of(request, RejectRequest)
    return await rate_versions.reject(principal, version_id, body.reason)


@post("/v1/rate-versions/{version_id:str}/deploy", operation_id="deployRateVersion", tags=["rates"], status_code=200)
async def deploy_version(rate_versions: RateVersionsDep, principal: PrincipalDep, version_id: Id,
                         request: Request[Any, Any, Any]) -> VersionSummary:
    """Put an approved version in force (a future date schedules it); one per state, product and date."""
    require(principal, DRAFT)
    raw = await request.body()
    body = await body_of(request, DeployRequest) if raw.strip() else DeployRequest()
    return await rate_versions.deploy(principal, version_id, body)


@post("/v1/rate-versions/rollback", operation_id="rollbackRateVersion", tags=["rates"], status_code=200)
async def rollback_version(rate_versions: RateVersionsDep, principal: PrincipalDep,
                           request: Request[Any, Any, Any]) -> VersionSummary:
    """Redeploy the version in force before the current one (a new deployment; history is kept)."""
    require(principal, DRAFT)
    body = await body_of(request, RollbackRequest)
    return await rate_versions.rollback(principal, body.state, body.product)


ROUTES = [draft_version, list_versions, get_version, diff_version, test_version, approve_version, reject_version,
          deploy_version, rollback_version]
