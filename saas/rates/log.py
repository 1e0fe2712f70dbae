"""Reading rate versions: the log, one version with its history, and diffs between versions."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.errors import NotFound, ValidationFailed
from saas.rates.diff import RateDiff, diff_tables
from saas.rates.models import RateVersionRow
from saas.rates.repository import Deployments, Events, TestRuns, Versions, summary
from saas.rates.schemas import (
    STATUSES,
    Deployment,
    HistoryEvent,
    TestRun,
    TestRunSummary,
    VersionDetail,
    VersionSummary,
)
from saas.rating.schemas import RateTableSpec


async def version_log(session: AsyncSession, tenant_id: str, *, state: str | None = None, product: str | None = None,
                      status: str | None = None) -> list[VersionSummary]:
    """Newest first, like ``git log``."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"unknown status {status!r}; one of {', '.join(STATUSES)}", path="status")
    where = [column == value for column, value in ((RateVersionRow.state, state), (RateVersionRow.product, product),
                                                   (RateVersionRow.status, status)) if value is not None]
    rows = await Versions(session, tenant_id).list(*where, order_by=(RateVersionRow.created_at.desc(),))
    return [summary(row) for row in rows]


async def version_detail(session: AsyncSession, tenant_id: str, version_id: str) -> VersionDetail:
    row = await Versions(session, tenant_id).get(version_id)
    events = await Events(session, tenant_id).of_version(row.id)
    deployments = await Deployments(session, tenant_id).of_version(row.id)
    runs = await TestRuns(session, tenant_id).of_version(row.id)
    return VersionDetail(
        version=summary(row), table=msgspec.json.decode(row.content),
        history=[HistoryEvent(e.action, e.status, e.actor_name, e.at, e.note) for e in events],
        deployments=[Deployment(d.kind, d.effective_date, d.action, d.deployed_by, d.deployed_at,  # type: ignore[arg-type]
                                d.withdrawn_at, d.withdrawn_by) for d in deployments],
        test_runs=[TestRunSummary(r.id, r.actor_name, r.at, len(msgspec.json.decode(r.result, type=TestRun).scenarios))
                   for r in runs])


async def version_diff(session: AsyncSession, tenant_id: str, version_id: str, against: str = "deployed") -> RateDiff:
    """Factor-level changes from ``against`` (a version id, or the version deployed now) to this version."""
    versions = Versions(session, tenant_id)
    row = await versions.get(version_id)
    if against == "deployed":
        base_id = await Deployments(session, tenant_id).current_version(row.state, row.product)
        if base_id is None:
            raise NotFound(f"no version is deployed for {row.state} {row.product} to diff against")
    else:
        base_id = against
    base = await versions.get(base_id)
    return diff_tables(_spec(base), _spec(row))


def _spec(row: RateVersionRow) -> RateTableSpec:
    return msgspec.json.decode(row.content, type=RateTableSpec)
