"""Tenant-scoped access to drivers, trips, runs and scores (``saas.tenancy.scoping``).

The monthly feature query lives here because it is a read of the tenant's drivers joined to their
trips: it starts from the drivers repository's scoped statement, and the join matches trips on
(tenant, driver), so a chunk can never see another tenant's trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal_column, select

from saas.db import upsert
from saas.tenancy.bulk import fetch_columns
from saas.tenancy.scoping import M, TenantRepository
from saas.trips.models import DriverRow, ScoringChunkRow, ScoringRunRow, TripRow

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

    async def ranges(self, size: int) -> list[tuple[str, str, int]]:
        """The tenant's drivers cut into consecutive runs of ``size`` in id order: (first, last, count)
        each, numbered by a window in the database instead of shipping every id to the caller."""
        numbered = self.statement().with_only_columns(
            DriverRow.driver_id, ((func.row_number().over(order_by=DriverRow.driver_id) - 1) // size).label("part")
        ).subquery()
        stmt = (select(func.min(numbered.c.driver_id), func.max(numbered.c.driver_id), func.count())
                .group_by(numbered.c.part).order_by(numbered.c.part))
        columns = await fetch_columns(self.session, self.tenant_id, self.scoped(stmt))
        return [(a, b, int(n)) for a, b, n in zip(*columns.values(), strict=True)]

    async def monthly_features(self, period: str, first: str, last: str) -> dict[str, list[Any]]:
        """One row per driver in [first, last], in driver order, trips of ``period`` only, as columns:
        the model documentation's features, computed in SQL (numeric sums, so the result never
        depends on the order the database adds trips in) plus the exposures credibility needs.
        The trips are matched by the same driver range too, so the database reads them with one
        index range scan rather than one probe per driver."""
        trips = and_(TripRow.tenant_id == DriverRow.tenant_id, TripRow.driver_id == DriverRow.driver_id,
                     TripRow.period == period, TripRow.tenant_id == self.tenant_id,
                     TripRow.driver_id >= first, TripRow.driver_id <= last)
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
        return await fetch_columns(self.session, self.tenant_id, stmt)


class Trips(Rows[TripRow]):
    model = TripRow
    noun = "trip"

    async def driver_months(self, periods: list[str], *where: Any) -> dict[str, list[Any]]:
        """Per (driver, month) exposure and rates over ``periods``: the data credibility is estimated on."""
        stmt = (self.statement().with_only_columns(
            TripRow.driver_id, TripRow.period,
            cast(func.sum(TripRow.miles), Float).label("miles"),
            cast(func.sum(TripRow.driving_seconds), Float).label("driving_seconds"),
            *(per_100_miles(column).label(name) for name, column in RATE_COLUMNS.items()),
            tailgating_ratio().label("tailgating_time_ratio"))
            .where(TripRow.period.in_(periods), *where)
            .group_by(TripRow.driver_id, TripRow.period))
        return await fetch_columns(self.session, self.tenant_id, stmt)


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

    async def open_count(self, run_id: str) -> int:
        """Chunks of the run neither done nor failed: the run closes when this reaches 0."""
        stmt = self.statement().with_only_columns(func.count()).where(
            ScoringChunkRow.run_id == run_id, ScoringChunkRow.status.not_in(("done", "failed")))
        return int((await self.session.execute(stmt)).scalar_one())

    async def of_run(self, run_id: str) -> list[ScoringChunkRow]:
        return await self.list(ScoringChunkRow.run_id == run_id, order_by=(ScoringChunkRow.chunk,))

    async def get(self, run_id: str, chunk: int) -> ScoringChunkRow:
        return await self.get_one(ScoringChunkRow.run_id == run_id, ScoringChunkRow.chunk == chunk,
                                  ident=f"{run_id}/{chunk}")
