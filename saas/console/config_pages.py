"""Configuration pages over the configuration-version lifecycle (``saas.content``): the log, the YAML
editor whose problems are shown at their lines, a version with its diff in business terms, impact
charts, history and the workflow buttons, each one the API's own service call with its role set
(``saas.content.routes.CONFIG``)."""

from __future__ import annotations

from typing import Any

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from saas.console import config_charts
from saas.console.editing import LineProblem
from saas.console.web import SignedIn, page, signed_in, to
from saas.content.configs import ConfigTest
from saas.content.log import version_detail, version_diff, version_log
from saas.content.routes import CONFIG, ContentDep
from saas.content.service import TestRun
from saas.errors import ConfigError, NotFound, ValidationFailed
from saas.tenancy.guards import DatabaseDep
from saas.versioning.models import ContentVersionRow
from saas.versioning.schemas import DeployRequest, TestRequest
from saas.versioning.store import TestRuns, Versions

TEST = CONFIG.draft | CONFIG.approve
CACHED_RUNS = 256
_CHARTS: dict[str, dict[str, str]] = {}


async def charts_of(run_id: str, result: ConfigTest) -> dict[str, str]:
    """A test run never changes, so its charts are drawn once (on a worker thread)."""
    drawn = _CHARTS.get(run_id)
    if drawn is None:
        drawn = _CHARTS[run_id] = await anyio.to_thread.run_sync(config_charts.impact_charts, result)
        while len(_CHARTS) > CACHED_RUNS:
            _CHARTS.pop(next(iter(_CHARTS)))
    return drawn


def problems_of(exc: ConfigError) -> list[LineProblem]:
    return [LineProblem(i.location.line if i.location else 1, i.location.col if i.location else 1, i.path or "$",
                        i.message, i.location.source_line if i.location else "", i.hint) for i in exc.issues]


@get("/config", guards=[signed_in(CONFIG.read)], include_in_schema=False)
async def config_index(request: Request[Any, Any, Any], db: DatabaseDep, content: ContentDep,
                       user: SignedIn) -> Template:
    async with db.sessions() as session:
        versions = await version_log(session, content.configs.kind, user.tenant_id)
    return page(request, "config.html", user, versions=versions, may_draft=user.role in CONFIG.draft)


@get("/config/new", guards=[signed_in(CONFIG.draft)], include_in_schema=False)
async def new_config(request: Request[Any, Any, Any], db: DatabaseDep, content: ContentDep,
                     user: SignedIn) -> Template:
    """The editor, starting from ``?from=<version>`` or the configuration in force, comments and all."""
    start = request.query_params.get("from")
    async with db.sessions() as session:
        versions = Versions(session, user.tenant_id, content.configs.kind.name)
        if not start:
            deployed = await version_log(session, content.configs.kind, user.tenant_id, status="deployed")
            start = deployed[0].id if deployed else None
        text = (await versions.get(start)).source_text if start else ""
    return page(request, "config_editor.html", user, text=text, message="", problems=[])


@post("/config/drafts", guards=[signed_in(CONFIG.draft)], include_in_schema=False)
async def post_config(request: Request[Any, Any, Any], content: ContentDep, user: SignedIn) -> Response[Any]:
    """Validate on save: every problem at its line (422, nothing stored), else a draft."""
    form = await request.form()
    text, message = str(form.get("yaml") or ""), str(form.get("message") or "").strip()
    error = None if message else "say what this change is and why (the message is kept in the history)"
    problems: list[LineProblem] = []
    if not error:
        try:
            version, _ = await content.configs.draft(user.principal, text, message)
            return to(f"/console/config/versions/{version.id}")
        except ConfigError as exc:
            problems = problems_of(exc)
        except ValidationFailed as exc:
            problems = [LineProblem(1, 1, exc.path or "$", exc.detail, "")]
    return page(request, "config_editor.html", user, status=422, text=text, message=message, problems=problems,
                message_error=error)


async def _diff(session: Any, content: Any, tenant_id: str, row: ContentVersionRow) -> Any:
    against = row.parent_id if row.status in ("deployed", "superseded") and row.parent_id else "deployed"
    try:
        return await version_diff(session, content.configs.kind, tenant_id, row.id, against)
    except NotFound:
        return None


@get("/config/versions/{version_id:str}", guards=[signed_in(CONFIG.read)], include_in_schema=False)
async def config_version(request: Request[Any, Any, Any], db: DatabaseDep, content: ContentDep, user: SignedIn,
                         version_id: FromPath[str]) -> Template:
    kind = content.configs.kind
    async with db.sessions() as session:
        detail = await version_detail(session, kind, user.tenant_id, version_id)
        row = await Versions(session, user.tenant_id, kind.name).get(version_id)
        diff = await _diff(session, content, user.tenant_id, row)
        runs = await TestRuns(session, user.tenant_id).of_version(kind.name, version_id)
    run = msgspec.json.decode(runs[-1].result, type=TestRun) if runs else None
    result = msgspec.convert(run.result, ConfigTest, strict=False) if run else None
    drawn = await charts_of(run.id, result) if run and result else {}
    own = row.author_name == user.principal.name
    return page(request, "config_version.html", user, detail=detail, v=detail.version, diff=diff, run=run,
                result=result, charts=drawn, own=own, lines=detail.yaml.splitlines(),
                may_test=user.role in TEST and row.status in ("draft", "approved"),
                may_approve=user.role in CONFIG.approve and row.status == "draft" and not own,
                may_reject=user.role in CONFIG.approve and row.status in ("draft", "approved") and not own,
                may_deploy=user.role in CONFIG.draft and row.status == "approved",
                may_edit=user.role in CONFIG.draft)


@post("/config/versions/{version_id:str}/test", guards=[signed_in(TEST)], include_in_schema=False)
async def test_config(content: ContentDep, user: SignedIn, version_id: FromPath[str]) -> Response[Any]:
    await content.configs.test(user.principal, version_id, TestRequest())
    return to(f"/console/config/versions/{version_id}#impact")


@post("/config/versions/{version_id:str}/approve", guards=[signed_in(CONFIG.approve)], include_in_schema=False)
async def approve_config(content: ContentDep, user: SignedIn, version_id: FromPath[str]) -> Response[Any]:
    await content.configs.approve(user.principal, version_id)
    return to(f"/console/config/versions/{version_id}")


@post("/config/versions/{version_id:str}/reject", guards=[signed_in(CONFIG.approve)], include_in_schema=False)
async def reject_config(request: Request[Any, Any, Any], content: ContentDep, user: SignedIn,
                        version_id: FromPath[str]) -> Response[Any]:
    reason = str((await request.form()).get("reason") or "").strip()
    if not reason:
        raise ValidationFailed("give the reason for rejecting (the author reads it in the history)", path="reason")
    await content.configs.reject(user.principal, version_id, reason)
    return to(f"/console/config/versions/{version_id}")


@post("/config/versions/{version_id:str}/deploy", guards=[signed_in(CONFIG.draft)], include_in_schema=False)
async def deploy_config(request: Request[Any, Any, Any], content: ContentDep, user: SignedIn,
                        version_id: FromPath[str]) -> Response[Any]:
    when = str((await request.form()).get("effective_date") or "").strip()
    try:
        body = msgspec.convert({"effective_date": when} if when else {}, DeployRequest, strict=False)
    except msgspec.ValidationError:
        raise ValidationFailed(f"not a date: {when[:20]!r} (YYYY-MM-DD)", path="effective_date") from None
    await content.configs.deploy(user.principal, version_id, body)
    return to(f"/console/config/versions/{version_id}")


@post("/config/rollback", guards=[signed_in(CONFIG.draft)], include_in_schema=False)
async def rollback_config(content: ContentDep, user: SignedIn) -> Response[Any]:
    version = await content.configs.rollback(user.principal)
    return to(f"/console/config/versions/{version.id}")


ROUTES = [config_index, new_config, post_config, config_version, test_config, approve_config, reject_config,
          deploy_config, rollback_config]
