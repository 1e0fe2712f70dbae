"""The run-completed event: what a tenant's endpoint is told when a month's scores are ready."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import Reconciliation
from saas.trips.models import ScoringChunkRow, ScoringRunRow
from saas.webhooks.outbox import queue_event

EVENT = "scoring_run.completed"
TIER_CHANGES_LISTED = 1_000
"""Drivers whose tier changed, listed in the body (all are counted); the results export has every row."""


def tier_changes(done: list[ScoringChunkRow]) -> tuple[int, list[tuple[str, str, str]]]:
    """The chunks' own counts of drivers whose tier changed since last month, summed; the first
    ``TIER_CHANGES_LISTED`` of them in driver order (chunks are in driver order)."""
    count, listed = 0, list[tuple[str, str, str]]()
    for chunk in done:
        changes = msgspec.json.decode(chunk.tier_changes or '{"count": 0, "first": []}')
        count += changes["count"]
        listed += changes["first"][:TIER_CHANGES_LISTED - len(listed)]
    return count, listed


async def completion_event(session: AsyncSession, tenant: LoadedTenant, run: ScoringRunRow,
                           result: Reconciliation, done: list[ScoringChunkRow]) -> str | None:
    """Queue the signed notification in the run's closing transaction, if the tenant has an endpoint."""
    if tenant.config.webhook is None:
        return None
    changed, listed = tier_changes(done)
    data: dict[str, Any] = {
        "run_id": run.id, "period": run.period, "status": run.status, "checksum": run.checksum,
        "counts": {"expected": result.expected, "written": result.written, "not_scored": result.not_scored,
                   "in_failed_chunks": result.in_failed_chunks, "missing": result.missing},
        "tier_changes": {"count": changed,
                         "drivers": [{"driver_id": d, "from": a, "to": b} for d, a, b in listed]},
        "results": f"/v1/scoring-runs/{run.id}/results?format=jsonl",
    }
    return await queue_event(session, tenant.config.id, tenant.config.webhook.url, EVENT, data,
                             event_id=f"msg_run_{run.id.replace('-', '')}")
