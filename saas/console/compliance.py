"""Compliance pages: the audit trail's export and verification (online, and of an uploaded file),
decision lookup and replay. Same services and role sets as ``saas.audit.routes``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Stream, Template

from saas.audit.export import verify_export
from saas.audit.routes import MEDIA, DecisionsDep
from saas.audit.service import export, verify
from saas.console.queries import today
from saas.console.web import SignedIn, page, signed_in, to
from saas.errors import ValidationFailed
from saas.http_body import PathId
from saas.tenancy.guards import COMPLIANCE, READ_DECISIONS, DatabaseDep

MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def this_month() -> str:
    """The bundle form's default month (the one under way)."""
    return today().strftime("%Y-%m")


@get("/compliance", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def compliance(request: Request[Any, Any, Any], user: SignedIn) -> Template:
    return page(request, "compliance.html", user, result=None, checked=None, period=this_month())


@post("/compliance/verify", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def verify_chain(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn) -> Template:
    """Re-check the tenant's whole chain in the database."""
    async with db.sessions() as session:
        result = await verify(session, user.tenant_id)
    return page(request, "compliance.html", user, result=result, checked="the audit trail in the database",
                period=this_month())


@post("/compliance/verify-file", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def verify_file(request: Request[Any, Any, Any], user: SignedIn) -> Template:
    """Check an uploaded export (JSONL or CSV) offline, as ``saas audit verify`` does."""
    upload = (await request.form()).get("export")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("choose an exported audit file to verify", path="export")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB", path="export")
    result = verify_export(content)
    return page(request, "compliance.html", user, result=result, checked=f"the file {upload.filename}",
                period=this_month())


@get("/compliance/export", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def export_file(db: DatabaseDep, user: SignedIn, fmt: FromQuery[Literal["jsonl", "csv"]] = "jsonl") -> Stream:

    async def chunks() -> AsyncIterator[bytes]:
        async with db.sessions() as session:
            async for chunk in export(session, user.tenant_id, None, None, fmt):
                yield chunk

    return Stream(chunks(), media_type=MEDIA[fmt],
                  headers={"Content-Disposition": f'attachment; filename="audit-{user.tenant_id}.{fmt}"'})


@get("/decisions", guards=[signed_in(READ_DECISIONS)], include_in_schema=False)
async def lookup(request: Request[Any, Any, Any], user: SignedIn) -> Response[Any]:
    wanted = (request.query_params.get("id") or "").strip()
    if wanted:
        return to(f"/console/decisions/{wanted}")
    return page(request, "decision_lookup.html", user)


@get("/decisions/{decision_id:str}", guards=[signed_in(READ_DECISIONS)], include_in_schema=False)
async def decision(request: Request[Any, Any, Any], decisions: DecisionsDep, user: SignedIn,
                   decision_id: FromPath[PathId]) -> Template:
    entry = await decisions.get(user.tenant_id, decision_id)
    return page(request, "decision.html", user, entry=entry, payload=entry.payload, replay=None,
                recorded=request.query_params.get("recorded") == "1", may_replay=user.role in COMPLIANCE)


@post("/decisions/{decision_id:str}/replay", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def replay(request: Request[Any, Any, Any], decisions: DecisionsDep, user: SignedIn,
                 decision_id: FromPath[PathId]) -> Template:
    entry = await decisions.get(user.tenant_id, decision_id)
    result = await decisions.replay(user.tenant_id, decision_id)
    return page(request, "decision.html", user, entry=entry, payload=entry.payload, replay=result, recorded=False,
                may_replay=True)


ROUTES = [compliance, verify_chain, verify_file, export_file, lookup, decision, replay]
