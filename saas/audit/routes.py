"""Decision lookup, replay, audit export and verification endpoints (thin handlers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import AuditEntry, ReplayResponse, VerifyResult
from saas.audit.service import export, verify
from saas.errors import ValidationFailed
from saas.http_body import PathId
from saas.openapi import extended
from saas.tenancy.guards import COMPLIANCE, READ_DECISIONS, DatabaseDep, PrincipalDep, allow

DecisionsDep = NamedDependency[DecisionLog]
"""The decision log, provided by the app factory as ``decisions``."""

MOMENT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
"""An ISO-8601 date or date-time: Litestar would also take ``0.5`` as a Unix timestamp."""
MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@get("/v1/decisions/{decision_id:str}", operation_id="getDecision", tags=["decisions"], guards=[allow(READ_DECISIONS)])
async def read_decision(decisions: DecisionsDep, principal: PrincipalDep, decision_id: PathId) -> AuditEntry:
    """One recorded decision of the caller's tenant with its chain position and hashes."""
    return await decisions.get(principal.tenant_id, decision_id)


@post("/v1/decisions/{decision_id:str}/replay", operation_id="replayDecision", tags=["decisions"], status_code=200,
      guards=[allow(COMPLIANCE)])
async def replay_decision(decisions: DecisionsDep, principal: PrincipalDep,
                          decision_id: PathId) -> ReplayResponse:
    """Re-make a recorded decision (a quote or a risk score) from its pinned versions; reports
    identical or each difference."""
    return await decisions.replay(principal.tenant_id, decision_id)


@get("/v1/audit/export", operation_id="exportAudit", tags=["audit"], guards=[allow(COMPLIANCE)],
     operation_class=extended(200, media={MEDIA["jsonl"]: "one JSON entry a line (format=jsonl)",
                                          MEDIA["csv"]: "a header row, then one entry a row (format=csv)"}))
async def export_audit(
    db: DatabaseDep, principal: PrincipalDep,
    start: Annotated[str | None, QueryParameter(name="from", pattern=MOMENT, description="inclusive, ISO-8601")] = None,
    end: Annotated[str | None, QueryParameter(name="to", pattern=MOMENT, description="exclusive, ISO-8601")] = None,
    fmt: Annotated[Literal["jsonl", "csv"], QueryParameter(name="format")] = "jsonl",
) -> Stream:
    """Stream the tenant's audit entries; every line carries seq, prev_hash and hash for offline checks."""
    since, until = moment(start, "from"), moment(end, "to")

    async def chunks() -> AsyncIterator[bytes]:
        async with db.sessions() as session:
            async for chunk in export(session, principal.tenant_id, since, until, fmt):
                yield chunk

    filename = f"audit-{principal.tenant_id}.{fmt}"
    return Stream(chunks(), media_type=MEDIA[fmt],
                  headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def moment(text: str | None, name: str) -> dt.datetime | None:
    """A query bound as an aware datetime (UTC unless it says otherwise); 422 naming it if impossible."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(f"not a date or date-time: {exc}", path=f"$.{name}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@get("/v1/audit/verify", operation_id="verifyAudit", tags=["audit"], guards=[allow(COMPLIANCE)])
async def verify_audit(db: DatabaseDep, principal: PrincipalDep) -> VerifyResult:
    """Re-check the tenant's whole chain in the database; names the first bad sequence number."""
    async with db.sessions() as session:
        return await verify(session, principal.tenant_id)
