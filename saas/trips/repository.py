"""Tenant-scoped access to drivers, trips, runs and scores (``saas.tenancy.scoping``).

The monthly feature query lives here because it is a read of the tenant's drivers joined to their
trips: it starts from the drivers repository's scoped statement, and the join matches trips on
(tenant, driver), so a chunk can never see another tenant's trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal_column, text
from sqlalchemy.orm import aliased

from saas.db import upsert
from saas.tenancy.scoping import M, TenantRepository
from saas.trips.models import DriverRow, DriverScoreRow, ScoringChunkRow, ScoringRunRow, TripRow

PER = 100
RATE_COLUMNS = {
    "hard_braking_events_per_100mi": TripRow.hard_braking_events,
    "aggressive_turning_events_per_100mi": TripRow.aggressive_turning_events,
    "speeding_minutes_per_100mi": TripRow.speeding_minutes,
    "late_night_miles_per_100mi": TripRow.night_miles,
}
"""Per-100-mile rates: ``100 · Σ count / Σ miles`` over the driver's trips of the month."""


def per_100_miles(column: Any) -> Any:
    miles = func.sum(TripRow.miles)
    return cast(case((miles > 0, PER * func.sum(column) / miles), else_=None), Float)


def tailgating_ratio() -> Any:
    """Tailgating time over driving time, at most 1 (the model's ratio has no rounding slack)."""
    seconds = func.sum(TripRow.driving_seconds)
    ratio = func.sum(TripRow.tailgating_seconds) / seconds
    return cast(case((seconds > 0, case((ratio > 1, literal_column("1.0")), else_=ratio)), else_=None), Float)


class Rows(TenantRepository[M]):
    """Adds a multi-row INSERT, stamped with the tenant like ``insert`` (bulk writes of trips and scores)."""

    def insert_rows(self, rows: Sequence[dict[str, Any]]) -> Any:
        stamped = [{**row, "tenant_id": self.tenant_id} for row in rows]
        return upsert(self.session, self.model).values(stamped)


class Drivers(TenantRepository[DriverRow]):
    model = DriverRow
    noun = "driver"

    async def get(self, driver_id: str) -> DriverRow:
        return await self.get_one(DriverRow.driver_id == driver_id, ident=driver_id)

    async def known(self, driver_ids: set[str]) -> set[str]:
        stmt = self.statement().with_only_columns(DriverRow.driver_id).where(DriverRow.driver_id.in_(driver_ids))
        return set((await self.session.execute(stmt)).scalars())

    async def ids(self) -> list[str]:
        stmt = self.statement().with_only_columns(DriverRow.driver_id).order_by(DriverRow.driver_id)
        return list((await self.session.execute(stmt)).scalars())

    async def monthly_features(self, period: str, first: str, last: str) -> list[Any]:
        """One row per driver in [first, last], in driver order, trips of ``period`` only: the model
        documentation's features, computed in SQL (numeric sums, so the result never depends on
        the order the database adds trips in) plus the exposures credibility needs."""
        trips = and_(TripRow.tenant_id == DriverRow.tenant_id, TripRow.driver_id == DriverRow.driver_id,
                     TripRow.period == period)
        stmt = (self.statement().with_only_columns(
            DriverRow.driver_id, DriverRow.state, DriverRow.prior_claim_count,
            func.count(TripRow.trip_id).label("trips"),
            cast(func.coalesce(func.sum(TripRow.miles), 0), Float).label("miles"),
            cast(func.coalesce(func.sum(TripRow.driving_seconds), 0), Float).label("driving_seconds"),
            *(per_100_miles(column).label(name) for name, column in RATE_COLUMNS.items()),
            tailgating_ratio().label("tailgating_time_ratio"))
            .outerjoin(TripRow, trips)
            .where(DriverRow.driver_id >= first, DriverRow.driver_id <= last)
            .group_by(DriverRow.driver_id, DriverRow.state, DriverRow.prior_claim_count)
            .order_by(DriverRow.driver_id))
        return list((await self.session.execute(stmt)).all())


class Trips(Rows[TripRow]):
    model = TripRow
    noun = "trip"

    async def driver_months(self, periods: list[str], *where: Any) -> list[Any]:
        """Per (driver, month) exposure and rates over ``periods``: the data credibility is estimated on."""
        stmt = (self.statement().with_only_columns(
            TripRow.driver_id, TripRow.period,
            cast(func.sum(TripRow.miles), Float).label("miles"),
            cast(func.sum(TripRow.driving_seconds), Float).label("driving_seconds"),
            *(per_100_miles(column).label(name) for name, column in RATE_COLUMNS.items()),
            tailgating_ratio().label("tailgating_time_ratio"))
            .where(TripRow.period.in_(periods), *where)
            .group_by(TripRow.driver_id, TripRow.period))
        return list((await self.session.execute(stmt)).all())


class Runs(TenantRepository[ScoringRunRow]):
    model = ScoringRunRow
    noun = "scoring run"

    async def get(self, run_id: str, *, for_update: bool = False) -> ScoringRunRow:
        stmt = self.statement().where(ScoringRunRow.id == run_id)
        row = (await self.session.execute(stmt.with_for_update() if for_update else stmt)).scalars().one_or_none()
        return row if row is not None else await self.get_one(ScoringRunRow.id == run_id, ident=run_id)

    async def active(self, period: str) -> ScoringRunRow | None:
        rows = await self.list(ScoringRunRow.period == period, ScoringRunRow.status.in_(("queued", "running")))
        return rows[0] if rows else None


class Chunks(TenantRepository[ScoringChunkRow]):
    model = ScoringChunkRow
    noun = "chunk"

    async def of_run(self, run_id: str) -> list[ScoringChunkRow]:
        return await self.list(ScoringChunkRow.run_id == run_id, order_by=(ScoringChunkRow.chunk,))

    async def get(self, run_id: str, chunk: int) -> ScoringChunkRow:
        return await self.get_one(ScoringChunkRow.run_id == run_id, ScoringChunkRow.chunk == chunk,
                                  ident=f"{run_id}/{chunk}")


SCORE_COLUMNS = {"driver_id": "text", "period": "text", "trips": "int4", "miles": "float8", "risk_score": "float8",
                 "safety_score": "numeric", "safety_score_month": "numeric", "multiplier": "numeric", "tier": "text",
                 "tier_label": "text", "percentile": "float8", "safest_top_pct": "int4", "features": "text",
                 "coaching": "text"}
UPSERT_SLICE = 2_000
"""Rows per multi-row upsert on SQLite (14 parameters each, under its 32k limit)."""


def _unnest_upsert() -> Any:
    """PostgreSQL: one statement per chunk, its columns sent as 14 arrays (binary, no per-row SQL)."""
    names = ", ".join(SCORE_COLUMNS)
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in SCORE_COLUMNS.items())
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_COLUMNS if c not in ("driver_id", "period"))
    return text(f"INSERT INTO driver_scores (tenant_id, {names}) SELECT CAST(:tenant_id AS text), * "
                f"FROM unnest({arrays}) ON CONFLICT (tenant_id, driver_id, period) DO UPDATE SET {updates}")


UNNEST_UPSERT = _unnest_upsert()


class Scores(Rows[DriverScoreRow]):
    model = DriverScoreRow
    noun = "score"

    async def upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or overwrite the rows by (tenant, driver, period), stamped with this tenant."""
        if not rows:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            params = {c: [row[c] for row in rows] for c in SCORE_COLUMNS} | {"tenant_id": self.tenant_id}
            await self.session.execute(UNNEST_UPSERT, params)
            return
        for start in range(0, len(rows), UPSERT_SLICE):
            stmt = self.insert_rows(rows[start:start + UPSERT_SLICE])
            await self.session.execute(stmt.on_conflict_do_update(
                index_elements=[DriverScoreRow.tenant_id, DriverScoreRow.driver_id, DriverScoreRow.period],
                set_={c: getattr(stmt.excluded, c) for c in SCORE_COLUMNS if c not in ("driver_id", "period")}))

    async def previous_safety(self, period: str, first: str, last: str) -> dict[str, Any]:
        stmt = self.statement().with_only_columns(DriverScoreRow.driver_id, DriverScoreRow.safety_score).where(
            DriverScoreRow.period == period, DriverScoreRow.driver_id >= first, DriverScoreRow.driver_id <= last)
        return dict((await self.session.execute(stmt)).all())

    async def count(self, period: str, first: str, last: str) -> tuple[int, int]:
        """(rows, distinct drivers) of the period in [first, last]: a reconciliation counts both."""
        stmt = self.statement().with_only_columns(func.count(), func.count(DriverScoreRow.driver_id.distinct())).where(
            DriverScoreRow.period == period, DriverScoreRow.driver_id >= first, DriverScoreRow.driver_id <= last)
        rows, drivers = (await self.session.execute(stmt)).one()
        return int(rows), int(drivers)

    async def tier_changes(self, period: str, previous: str, limit: int) -> tuple[int, list[tuple[str, str, str]]]:
        """How many drivers changed tier since ``previous``, and the first ``limit`` (driver, from, to)."""
        before = aliased(DriverScoreRow)
        stmt = (self.statement().with_only_columns(DriverScoreRow.driver_id, before.tier, DriverScoreRow.tier)
                .join(before, and_(before.tenant_id == DriverScoreRow.tenant_id,
                                   before.driver_id == DriverScoreRow.driver_id, before.period == previous))
                .where(DriverScoreRow.period == period, before.tier != DriverScoreRow.tier)
                .order_by(DriverScoreRow.driver_id))
        rows = [(str(a), str(b), str(c)) for a, b, c in (await self.session.execute(stmt)).all()]
        return len(rows), rows[:limit]

    def ordered(self, period: str) -> Any:
        return self.statement().where(DriverScoreRow.period == period).order_by(DriverScoreRow.driver_id)
