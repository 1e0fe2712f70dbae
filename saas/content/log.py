"""Reading content versions: the log, one version with its text, history and deployments, diffs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from saas.content.kinds import Kind
from saas.content.service import summary
from saas.errors import NotFound, ValidationFailed
from saas.versioning.models import ContentVersionRow
from saas.versioning.schemas import (
    STATUSES,
    Deployment,
    HistoryEvent,
    TestRunSummary,
    VersionDetail,
    VersionSummary,
)
from saas.versioning.store import Deployments, Events, TestRuns, Versions


async def version_log(session: AsyncSession, kind: Kind, tenant_id: str, *, status: str | None = None,
                      scope: str | None = None) -> list[VersionSummary]:
    """Newest first, like ``git log``."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"unknown status {status!r}; one of {', '.join(STATUSES)}", path="status")
    where = [column == value for column, value in ((ContentVersionRow.status, status),
                                                   (ContentVersionRow.scope, scope)) if value is not None]
    rows = await Versions(session, tenant_id, kind.name).list(*where, order_by=(ContentVersionRow.created_at.desc(),))
    return [summary(row) for row in rows]


async def version_detail(session: AsyncSession, kind: Kind, tenant_id: str, version_id: str) -> VersionDetail:
    row = await Versions(session, tenant_id, kind.name).get(version_id)
    events = await Events(session, tenant_id).of_version(kind.name, row.id)
    deployments = await Deployments(session, tenant_id, kind.name).of_version(row.id)
    runs = await TestRuns(session, tenant_id).of_version(kind.name, row.id)
    return VersionDetail(
        version=summary(row), yaml=row.source_text, parsed=kind.decode(row),
        history=[HistoryEvent(e.action, e.status, e.actor_name, e.at, e.note) for e in events],
        deployments=[Deployment(d.effective_date, d.action, d.deployed_by, d.deployed_at, d.withdrawn_at,
                                d.withdrawn_by) for d in deployments],
        test_runs=[TestRunSummary(r.id, r.actor_name, r.at) for r in runs])


async def version_diff(session: AsyncSession, kind: Kind, tenant_id: str, version_id: str,
                       against: str = "deployed") -> Any:
    """Changes from ``against`` (a version id, or the version deployed now) to this version."""
    versions = Versions(session, tenant_id, kind.name)
    row = await versions.get(version_id)
    if against == "deployed":
        base_id, _ = await Deployments(session, tenant_id, kind.name).current_and_previous(row.scope)
        if base_id is None:
            raise NotFound(f"no {kind.noun.split()[0]} is deployed{' for ' + row.scope if row.scope else ''} "
                           "to diff against")
    else:
        base_id = against
    return kind.diff(await versions.get(base_id), row)


async def test_result(session: AsyncSession, kind: Kind, tenant_id: str, version_id: str) -> Any:
    """The newest test run's result of a version (what the approver read), or NotFound."""
    runs = await TestRuns(session, tenant_id).of_version(kind.name, version_id)
    if not runs:
        raise NotFound(f"{kind.noun} {version_id} has no test run")
    return runs[-1].result
