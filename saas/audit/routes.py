"""Decision lookup, replay, audit export and verification endpoints (thin handlers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import AuditEntry, ReplayResponse, VerifyResult
from saas.audit.service import export, verify
from saas.tenancy.guards import COMPLIANCE, READ_DECISIONS, DatabaseDep, PrincipalDep, allow

DecisionsDep = NamedDependency[DecisionLog]
"""The decision log, provided by the app factory as ``decisions``."""

MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@get("/v1/decisions/{decision_id:str}", operation_id="getDecision", tags=["decisions"], guards=[allow(READ_DECISIONS)])
async def read_decision(decisions: DecisionsDep, principal: PrincipalDep, decision_id: FromPath[str]) -> AuditEntry:
    """One recorded decision of the caller's tenant with its chain position and hashes."""
    return await decisions.get(principal.tenant_id, decision_id)


@post("/v1/decisions/{decision_id:str}/replay", operation_id="replayDecision", tags=["decisions"], status_code=200,
      guards=[allow(COMPLIANCE)])
async def replay_decision(decisions: DecisionsDep, principal: PrincipalDep,
                          decision_id: FromPath[str]) -> ReplayResponse:
    """Re-make a recorded decision (a quote or a risk score) from its pinned versions; reports
    identical or each difference."""
    return await decisions.replay(principal.tenant_id, decision_id)


@get("/v1/audit/export", operation_id="exportAudit", tags=["audit"], guards=[allow(COMPLIANCE)])
async def export_audit(
    db: DatabaseDep, principal: PrincipalDep,
    start: Annotated[dt.datetime | None, QueryParameter(name="from", description="inclusive, ISO-8601")] = None,
    end: Annotated[dt.datetime | None, QueryParameter(name="to", description="exclusive, ISO-8601")] = None,
    fmt: Annotated[Literal["jsonl", "csv"], QueryParameter(name="format")] = "jsonl",
) -> Stream:
    """Stream the tenant's audit entries; every line carries seq, prev_hash and hash for offline checks."""

    async def chunks() -> AsyncIterator[bytes]:
        async with db.sessions() as session:
            async for chunk in export(session, principal.tenant_id, start, end, fmt):
                yield chunk

    filename = f"audit-{principal.tenant_id}.{fmt}"
    return Stream(chunks(), media_type=MEDIA[fmt],
                  headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@get("/v1/audit/verify", operation_id="verifyAudit", tags=["audit"], guards=[allow(COMPLIANCE)])
async def verify_audit(db: DatabaseDep, principal: PrincipalDep) -> VerifyResult:
    """Re-check the tenant's whole chain in the database; names the first bad sequence number."""
    async with db.sessions() as session:
        return await verify(session, principal.tenant_id)
