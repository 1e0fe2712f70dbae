"""Reading the tenant's last completed monthly run for an impact test: its drivers' stored risk
scores and the safety scores of the month before (the smoothing's other input)."""

from __future__ import annotations

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenancy.scoping import TenantRepository
from saas.trips.api_schemas import previous_period
from saas.trips.models import DriverScoreRow, ScoringRunRow

COMPLETED = ("completed", "completed_with_failures")


class _Runs(TenantRepository[ScoringRunRow]):
    model = ScoringRunRow
    noun = "scoring run"


class _Scores(TenantRepository[DriverScoreRow]):
    model = DriverScoreRow
    noun = "driver score"


class Book:
    """One month's drivers as columns (sorted by driver id)."""

    def __init__(self, run: ScoringRunRow, drivers: list[str], risks: np.ndarray, previous_tenths: np.ndarray,
                 has_previous: np.ndarray) -> None:
        self.run, self.drivers, self.risks = run, drivers, risks
        self.previous_tenths, self.has_previous = previous_tenths, has_previous


async def last_book(session: AsyncSession, tenant_id: str) -> Book | None:
    """The latest completed run's month, or None when the tenant has none yet."""
    runs = await _Runs(session, tenant_id).list(ScoringRunRow.status.in_(COMPLETED),
                                                order_by=(ScoringRunRow.period.desc(), ScoringRunRow.created_at.desc()))
    if not runs:
        return None
    run = runs[0]
    scores = _Scores(session, tenant_id)
    rows = (await session.execute(scores.statement().with_only_columns(
        DriverScoreRow.driver_id, DriverScoreRow.risk_score).where(DriverScoreRow.period == run.period)
        .order_by(DriverScoreRow.driver_id))).all()
    before = dict((await session.execute(scores.statement().with_only_columns(
        DriverScoreRow.driver_id, DriverScoreRow.safety_score)
        .where(DriverScoreRow.period == previous_period(run.period)))).all())
    drivers = [row[0] for row in rows]
    previous = [before.get(driver) for driver in drivers]
    return Book(run, drivers, np.array([row[1] for row in rows], dtype=np.float64),
                np.array([int(p.scaleb(1)) if p is not None else 0 for p in previous], dtype=np.int64),
                np.array([p is not None for p in previous], dtype=bool))
