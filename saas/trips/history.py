"""A driver's monthly scores, newest first, in the words a driver app shows them."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.trips.api_schemas import ScoreHistory, ScoreView
from saas.trips.models import DriverScoreRow
from saas.trips.repository import Drivers
from saas.trips.scores import Scores

MONTHS = 24


async def score_history(session: AsyncSession, tenant_id: str, driver_id: str, months: int = MONTHS) -> ScoreHistory:
    """Another tenant's driver is a 404 exactly like an unknown one (the driver lookup is scoped)."""
    await Drivers(session, tenant_id).get(driver_id)
    rows = await Scores(session, tenant_id).list(DriverScoreRow.driver_id == driver_id,
                                                 order_by=(DriverScoreRow.period.desc(),))
    return ScoreHistory(driver_id, [view_of(row) for row in rows[:months]])


def view_of(row: DriverScoreRow) -> ScoreView:
    return ScoreView(
        period=row.period, risk_score=row.risk_score, safety_score=row.safety_score,
        safety_score_month=row.safety_score_month, tier=row.tier, tier_label=row.tier_label,
        safest_top_pct=row.safest_top_pct, top_safest=f"top {row.safest_top_pct}% safest",
        multiplier=row.multiplier, trips=row.trips, miles=row.miles, improve=msgspec.json.decode(row.coaching))
