"""Driver scores: a chunk's rows as columns, and the tenant-scoped table they are written to.

A chunk holds its scores column by column (numpy arrays and lists) from the model to the
database: exact decimals travel as integers (multiplier in millionths, safety scores in tenths)
and become NUMERIC only inside PostgreSQL, so no ``Decimal`` is made per driver. A chunk
*replaces* its driver range's rows for the period (delete, then insert, in its transaction):
retried or re-run, it leaves exactly the rows it computed, one per driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
from sqlalchemy import Integer, and_, cast, func, or_

from saas.scoring.fixed_point import fixed_decimals
from saas.tenancy.bulk import copy_into, execute_raw, fetch_columns, fetch_raw, is_postgres
from saas.trips.models import DriverScoreRow
from saas.trips.repository import Rows

STAGE = "score_stage"
STAGED = {"driver_id": "text", "trips": "int4", "miles": "float8", "risk_score": "float8", "safety_tenths": "int4",
          "safety_month_tenths": "int4", "multiplier_micro": "int8", "tier": "text", "tier_label": "text",
          "percentile": "float8", "safest_top_pct": "int4", "features": "text", "coaching": "text"}
CREATE_STAGE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ("
                + ", ".join(f"{c} {t} NOT NULL" for c, t in STAGED.items()) + ") ON COMMIT DELETE ROWS")
MOVE = f"""INSERT INTO driver_scores (tenant_id, period, driver_id, trips, miles, risk_score, safety_score,
  safety_score_month, multiplier, tier, tier_label, percentile, safest_top_pct, features, coaching)
  SELECT $1, $2, driver_id, trips, miles, risk_score, safety_tenths::numeric / 10, safety_month_tenths::numeric / 10,
  multiplier_micro::numeric / 1000000, tier, tier_label, percentile, safest_top_pct, features, coaching FROM {STAGE}"""
COUNT_IN_RANGES = """SELECT coalesce(sum(c.n), 0), coalesce(sum(c.d), 0)
  FROM unnest($3::text[], $4::text[]) AS r (first_driver, last_driver),
  LATERAL (SELECT count(*) AS n, count(DISTINCT s.driver_id) AS d FROM driver_scores s
           WHERE s.tenant_id = $1 AND s.period = $2 AND s.driver_id BETWEEN r.first_driver AND r.last_driver) AS c"""
"""One index range scan per chunk range, whatever the planner believes of a table written seconds
ago (without statistics a plain join of the ranges became a nested loop over the whole period)."""
_JSON = msgspec.json.Encoder()
SQLITE_SLICE = 2_000
"""Rows per multi-row INSERT on SQLite (15 parameters each, under its 32k limit)."""


@dataclass
class ScoreColumns:
    """One chunk's scores, position i = the i-th scored driver in driver order."""

    driver_id: list[str] = field(default_factory=list)
    trips: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    miles: np.ndarray = field(default_factory=lambda: np.zeros(0))
    risk_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    safety_tenths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    safety_month_tenths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    multiplier_micro: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    tier: list[str] = field(default_factory=list)
    tier_label: list[str] = field(default_factory=list)
    percentile: np.ndarray = field(default_factory=lambda: np.zeros(0))
    safest_top_pct: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    features: list[str] = field(default_factory=list)
    """The model inputs as scored, one JSON object per driver."""
    improve: list[list[str]] = field(default_factory=list)
    """The coaching tips' texts per driver (empty lists without explanations)."""

    def __len__(self) -> int:
        return len(self.driver_id)

    def staged(self) -> list[list[Any]]:
        """Columns in ``STAGED`` order as Python lists (what the binary COPY encodes); the coaching
        column is each driver's tips as the stored JSON list."""
        coaching = [_JSON.encode(tips).decode() for tips in self.improve]
        return [self.driver_id, self.trips.tolist(), self.miles.tolist(), self.risk_score.tolist(),
                self.safety_tenths.tolist(), self.safety_month_tenths.tolist(), self.multiplier_micro.tolist(),
                self.tier, self.tier_label, self.percentile.tolist(), self.safest_top_pct.tolist(), self.features,
                coaching]

    def rows(self, period: str) -> list[dict[str, Any]]:
        """Row dicts with ``Decimal`` values (the SQLite path, and tests that read a row)."""
        values = dict(zip(STAGED, self.staged(), strict=True))
        values["safety_score"] = fixed_decimals(self.safety_tenths, 1)
        values["safety_score_month"] = fixed_decimals(self.safety_month_tenths, 1)
        values["multiplier"] = fixed_decimals(self.multiplier_micro, 6)
        names = ["driver_id", "trips", "miles", "risk_score", "safety_score", "safety_score_month", "multiplier",
                 "tier", "tier_label", "percentile", "safest_top_pct", "features", "coaching"]
        return [{"period": period, **dict(zip(names, row, strict=True))}
                for row in zip(*(values[name] for name in names), strict=True)]


class Scores(Rows[DriverScoreRow]):
    model = DriverScoreRow
    noun = "score"

    def _range(self, period: str, first: str, last: str) -> Any:
        return and_(DriverScoreRow.period == period, DriverScoreRow.driver_id >= first,
                    DriverScoreRow.driver_id <= last)

    async def replace(self, period: str, first: str, last: str, scores: ScoreColumns) -> None:
        """The period's rows of drivers in [first, last] become exactly ``scores`` (stamped with this tenant)."""
        await self.session.execute(self.delete(self._range(period, first, last)).execution_options(
            synchronize_session=False))
        if not len(scores):
            return
        if is_postgres(self.session):
            await execute_raw(self.session, self.tenant_id, CREATE_STAGE)
            await copy_into(self.session, self.tenant_id, STAGE, list(STAGED),
                            zip(*scores.staged(), strict=True))
            await execute_raw(self.session, self.tenant_id, MOVE, self.tenant_id, period)
            return
        rows = scores.rows(period)
        for start in range(0, len(rows), SQLITE_SLICE):
            await self.session.execute(self.insert_rows(rows[start:start + SQLITE_SLICE]))

    async def previous_month(self, period: str, first: str, last: str) -> dict[str, tuple[int, str]]:
        """Driver → (last month's smoothed safety score in tenths, tier), for drivers in [first, last]."""
        stmt = self.statement().with_only_columns(
            DriverScoreRow.driver_id, cast(func.round(DriverScoreRow.safety_score * 10), Integer).label("tenths"),
            DriverScoreRow.tier).where(self._range(period, first, last))
        columns = await fetch_columns(self.session, self.tenant_id, stmt)
        return {d: (int(t), tier) for d, t, tier in zip(*columns.values(), strict=True)}

    async def count(self, period: str, ranges: Sequence[tuple[str, str]]) -> tuple[int, int]:
        """(rows, distinct drivers) of the period within the driver ranges: a reconciliation counts both.

        On PostgreSQL the ranges go in as arrays and are counted one by one (``COUNT_IN_RANGES``):
        OR-ing a few hundred ranges made the planner test every row against all of them."""
        if not ranges:
            return 0, 0
        if is_postgres(self.session):
            (rows, drivers), = await fetch_raw(self.session, self.tenant_id, COUNT_IN_RANGES, self.tenant_id, period,
                                               [a for a, _ in ranges], [b for _, b in ranges])
            return int(rows), int(drivers)
        stmt = self.statement().with_only_columns(func.count(), func.count(DriverScoreRow.driver_id.distinct())).where(
            DriverScoreRow.period == period, or_(*(DriverScoreRow.driver_id.between(a, b) for a, b in ranges)))
        rows, drivers = (await self.session.execute(stmt)).one()
        return int(rows), int(drivers)

    def ordered(self, period: str) -> Any:
        return self.statement().where(DriverScoreRow.period == period).order_by(DriverScoreRow.driver_id)

