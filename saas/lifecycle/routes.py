"""``GET /v1/models/shadow-report``: compliance and admins see a candidate model's premium impact."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from saas.lifecycle.schemas import ShadowReport
from saas.lifecycle.service import shadow_report
from saas.tenancy.guards import COMPLIANCE, DatabaseDep, PrincipalDep, allow


@get("/v1/models/shadow-report", operation_id="shadowReport", tags=["models"], guards=[allow(COMPLIANCE)])
async def get_shadow_report(
    db: DatabaseDep, principal: PrincipalDep,
    since: Annotated[dt.date | None, QueryParameter(description="first day of quotes to include")] = None,
) -> ShadowReport:
    """Premium change distribution, bands and tier migrations had the tenant's shadow model been live."""
    async with db.sessions() as session:
        return await shadow_report(session, principal.tenant_id, since)
