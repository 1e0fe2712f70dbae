"""Adverse action: the period's register with its figures, each notice as the consumer reads it, and
the compliance bundle's download. Same service (``compliance``) and role sets as
``saas.compliance.routes``: the register and the bundle for ``COMPLIANCE``, a decision's notice for
every role that may read decisions; another tenant's decision is the service's 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Stream, Template

from saas.compliance.render import sections
from saas.compliance.routes import ComplianceDep
from saas.console.queries import today
from saas.console.web import SignedIn, page, signed_in
from saas.errors import ValidationFailed
from saas.http_body import PathId
from saas.tenancy.guards import COMPLIANCE, READ_DECISIONS
from saas.trips.api_schemas import PERIOD


def month_of(raw: str | None, now: dt.date) -> str:
    """The ``period`` query parameter (YYYY-MM, the API's pattern), the month of ``now`` when absent."""
    period = (raw or "").strip() or now.strftime("%Y-%m")
    if PERIOD.match(period) is None:
        raise ValidationFailed("period must be a calendar month, YYYY-MM", path="period")
    return period


@get("/adverse-actions", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def register(request: Request[Any, Any, Any], compliance: ComplianceDep, user: SignedIn) -> Template:
    period = month_of(request.query_params.get("period"), today())
    found = await compliance.register(user.tenant_id, period)
    return page(request, "adverse_actions.html", user, register=found, figures=found.figures, period=period)


@get("/adverse-actions/{decision_id:str}", guards=[signed_in(READ_DECISIONS)], include_in_schema=False)
async def notice(request: Request[Any, Any, Any], compliance: ComplianceDep, user: SignedIn,
                 decision_id: FromPath[PathId]) -> Template:
    """The notice in the layout (``sections``) the API's HTML and text renderings follow."""
    found = await compliance.notice(user.tenant_id, decision_id)
    return page(request, "notice.html", user, notice=found, sections=sections(found),
                may_register=user.role in COMPLIANCE)


@get("/compliance/bundle", guards=[signed_in(COMPLIANCE)], include_in_schema=False)
async def bundle(request: Request[Any, Any, Any], compliance: ComplianceDep, user: SignedIn) -> Stream:
    """The month's compliance bundle, streamed as the API streams it (made by this user's key)."""
    period = month_of(request.query_params.get("period"), today())
    who = user.principal
    chunks = await compliance.bundle_stream(user.tenant_id, period, made_by=f"{who.name} ({who.key_id})")
    name = f"compliance-{user.tenant_id}-{period}.zip"
    return Stream(chunks, media_type="application/zip",
                  headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


ROUTES = [register, notice, bundle]
