"""Rate table pages over the rate-version lifecycle: the log, the YAML editor, a version with its
diff, impact charts and history, and the workflow buttons (each one the API's service call).

The buttons a user sees follow the API's role sets (``saas.rates.routes``) and the version's
status; the four-eyes rule is stated, not hidden: the author of a draft reads that it waits for
another approver. The same rules are enforced again by the guards and the service on every POST,
so a forged request from a page that showed no button is refused exactly as the API refuses it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from saas.console.book import sample_book
from saas.console.editing import parse_table, table_yaml
from saas.console.queries import today
from saas.console.web import SignedIn, page, signed_in, to
from saas.errors import NotFound, ValidationFailed
from saas.rates.impact_render import render_svg
from saas.rates.log import version_detail, version_diff, version_log
from saas.rates.models import RateVersionRow
from saas.rates.repository import TestRuns, Versions
from saas.rates.routes import APPROVE, DRAFT, READ, TEST, RateVersionsDep
from saas.rates.schemas import DeployRequest, TestRequest, TestRun
from saas.rating.schemas import RateTableSpec
from saas.tenancy.guards import DatabaseDep

MOVERS = 10
CACHED_EXHIBITS = 256
_IMPACT_SVGS: dict[str, str] = {}
RECENT_QUOTES = 500


@get("/rates", guards=[signed_in(READ)], include_in_schema=False)
async def rates_index(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn) -> Template:
    async with db.sessions() as session:
        versions = await version_log(session, user.tenant_id)
    states = sorted({v.state for v in versions})
    return page(request, "rates.html", user, versions=versions, states=states, may_draft=user.role in DRAFT)


@get("/rates/new", guards=[signed_in(DRAFT)], include_in_schema=False)
async def new_draft(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn) -> Template:
    """The editor, starting from the version deployed for ``?state=`` (or the newest version)."""
    state = request.query_params.get("state", "")
    async with db.sessions() as session:
        versions = await version_log(session, user.tenant_id, state=state or None)
        start = next((v for v in versions if v.status == "deployed"), versions[0] if versions else None)
        text = ""
        if start is not None:
            text = table_yaml((await Versions(session, user.tenant_id).get(start.id)).content)
    return page(request, "rate_editor.html", user, text=text, message="", problems=[], state=state)


@post("/rates/drafts", guards=[signed_in(DRAFT)], include_in_schema=False)
async def post_draft(request: Request[Any, Any, Any], rate_versions: RateVersionsDep,
                     user: SignedIn) -> Response[Any]:
    """Validate the YAML; problems come back at their lines (422), a valid table becomes a draft."""
    form = await request.form()
    text, message = str(form.get("table") or ""), str(form.get("message") or "").strip()
    spec, problems = parse_table(text)
    error = None if message else "say what this change is and why (the message is kept in the history)"
    if spec is None or error:
        return page(request, "rate_editor.html", user, status=422, text=text, message=message, problems=problems,
                    message_error=error, state=spec.state if spec else "")
    version, _ = await rate_versions.draft(user.principal, spec, message)
    return to(f"/console/rates/versions/{version.id}")


async def _diff(session: Any, tenant_id: str, row: RateVersionRow) -> Any:
    """Against what is deployed; a deployed or superseded version against its parent."""
    against = row.parent_id if row.status in ("deployed", "superseded") and row.parent_id else "deployed"
    try:
        return await version_diff(session, tenant_id, row.id, against)
    except NotFound:
        return None


def _movers(run: TestRun) -> list[Any]:
    priced = [s for s in run.scenarios if s.pct_change is not None]
    return sorted(priced, key=lambda s: (-abs(s.pct_change or Decimal(0)), s.key))[:MOVERS]


async def impact_chart(run: TestRun) -> str:
    """The exhibit of a test run: a run never changes, so its SVG is drawn once (on a worker thread)."""
    svg = _IMPACT_SVGS.get(run.id)
    if svg is None and run.impact is not None:
        svg = _IMPACT_SVGS[run.id] = await anyio.to_thread.run_sync(render_svg, run.impact)
        while len(_IMPACT_SVGS) > CACHED_EXHIBITS:
            _IMPACT_SVGS.pop(next(iter(_IMPACT_SVGS)))
    return svg or ""


@get("/rates/versions/{version_id:str}", guards=[signed_in(READ)], include_in_schema=False)
async def version_page(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn,
                       version_id: FromPath[str]) -> Template:
    async with db.sessions() as session:
        detail = await version_detail(session, user.tenant_id, version_id)
        row = await Versions(session, user.tenant_id).get(version_id)
        diff = await _diff(session, user.tenant_id, row)
        runs = await TestRuns(session, user.tenant_id).of_version(version_id)
    run = msgspec.json.decode(runs[-1].result, type=TestRun) if runs else None
    chart = await impact_chart(run) if run and run.impact else None
    own = row.author_name == user.principal.name
    return page(request, "rate_version.html", user, detail=detail, v=detail.version, diff=diff, run=run,
                chart=chart, movers=_movers(run) if run else [],
                own=own, may_test=user.role in TEST and row.status in ("draft", "approved"),
                may_approve=user.role in APPROVE and row.status == "draft" and not own,
                may_reject=user.role in APPROVE and row.status in ("draft", "approved") and not own,
                may_deploy=user.role in DRAFT and row.status == "approved", today=today())


@post("/rates/versions/{version_id:str}/test", guards=[signed_in(TEST)], include_in_schema=False)
async def test_version(request: Request[Any, Any, Any], db: DatabaseDep, rate_versions: RateVersionsDep,
                       user: SignedIn, version_id: FromPath[str]) -> Response[Any]:
    form = await request.form()
    if form.get("book") == "recent":
        test = TestRequest(recent_decisions=RECENT_QUOTES)
    else:
        async with db.sessions() as session:
            row = await Versions(session, user.tenant_id).get(version_id)
        test = TestRequest(scenarios=sample_book(msgspec.json.decode(row.content, type=RateTableSpec), today()))
    await rate_versions.test(user.principal, version_id, test)
    return to(f"/console/rates/versions/{version_id}#impact")


@post("/rates/versions/{version_id:str}/approve", guards=[signed_in(APPROVE)], include_in_schema=False)
async def approve(rate_versions: RateVersionsDep, user: SignedIn, version_id: FromPath[str]) -> Response[Any]:
    await rate_versions.approve(user.principal, version_id)
    return to(f"/console/rates/versions/{version_id}")


@post("/rates/versions/{version_id:str}/reject", guards=[signed_in(APPROVE)], include_in_schema=False)
async def reject(request: Request[Any, Any, Any], rate_versions: RateVersionsDep, user: SignedIn,
                 version_id: FromPath[str]) -> Response[Any]:
    reason = str((await request.form()).get("reason") or "").strip()
    if not reason:
        raise ValidationFailed("give the reason for rejecting (the author reads it in the history)", path="reason")
    await rate_versions.reject(user.principal, version_id, reason)
    return to(f"/console/rates/versions/{version_id}")


@post("/rates/versions/{version_id:str}/deploy", guards=[signed_in(DRAFT)], include_in_schema=False)
async def deploy(request: Request[Any, Any, Any], rate_versions: RateVersionsDep, user: SignedIn,
                 version_id: FromPath[str]) -> Response[Any]:
    when = str((await request.form()).get("effective_date") or "").strip()
    try:
        body = DeployRequest(effective_date=dt.date.fromisoformat(when) if when else None)
    except ValueError:
        raise ValidationFailed(f"not a date: {when[:20]!r} (YYYY-MM-DD)", path="effective_date") from None
    await rate_versions.deploy(user.principal, version_id, body)
    return to(f"/console/rates/versions/{version_id}")


@post("/rates/rollback", guards=[signed_in(DRAFT)], include_in_schema=False)
async def rollback(request: Request[Any, Any, Any], rate_versions: RateVersionsDep, user: SignedIn) -> Response[Any]:
    state = str((await request.form()).get("state") or "")
    version = await rate_versions.rollback(user.principal, state, "auto")
    return to(f"/console/rates/versions/{version.id}")


ROUTES = [rates_index, new_draft, post_draft, version_page, test_version, approve, reject, deploy, rollback]
