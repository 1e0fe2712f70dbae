"""``saas trips import``: a CSV of trip summaries, checked row by row, loaded in bulk.

Each row is held to the same ``TripSummary`` rules as the API (a header names the fields). On
PostgreSQL valid rows are streamed with COPY into a temporary table and moved with one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` per slice, stamped with the importing tenant, so a
re-import of the same file stores nothing new; on SQLite they go through the API's insert path.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from saas.db import Database
from saas.trips.api_schemas import IngestReport, RowError
from saas.trips.ingest import message_and_path, store_trips, trip_values
from saas.trips.repository import Drivers
from saas.trips.schemas import TripSummary

SLICE = 50_000
COLUMNS = ("trip_id", "driver_id", "period", "started_at", "ended_at", "driving_seconds", "miles",
           "hard_braking_events", "aggressive_turning_events", "speeding_minutes", "tailgating_seconds",
           "phone_use_seconds", "night_miles")
STAGE = "CREATE TEMPORARY TABLE IF NOT EXISTS trips_import (LIKE trips INCLUDING DEFAULTS) ON COMMIT DROP"


def parse(row: dict[str, Any], index: int) -> TripSummary | RowError:
    values = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
    try:
        return msgspec.convert(values, TripSummary, strict=False)
    except msgspec.ValidationError as exc:
        detail, path = message_and_path(exc, f"$[{index}]")
        return RowError(index, path, detail)


async def import_csv(db: Database, tenant_id: str, path: Path) -> IngestReport:
    errors: list[RowError] = []
    received = inserted = 0
    with path.open(newline="", encoding="utf-8") as handle, tqdm(desc="trips", unit=" rows") as bar:
        reader = csv.DictReader(handle)
        batch: list[tuple[int, TripSummary]] = []
        for index, row in enumerate(reader):
            received += 1
            parsed = parse(row, index)
            if isinstance(parsed, RowError):
                errors.append(parsed)
            else:
                batch.append((index, parsed))
            if len(batch) >= SLICE:
                inserted += await _load(db, tenant_id, batch, errors)
                bar.update(len(batch))
                batch = []
        inserted += await _load(db, tenant_id, batch, errors)
        bar.update(len(batch))
    return IngestReport(received, inserted, received - len(errors) - inserted, len(errors),
                        sorted(errors, key=lambda e: e.index))


async def _load(db: Database, tenant_id: str, batch: list[tuple[int, TripSummary]], errors: list[RowError]) -> int:
    """One transaction per slice: a slice is stored whole or not at all."""
    if not batch:
        return 0
    async with db.session_scope() as session:
        if db.dialect != "postgresql":
            count, unknown = await store_trips(session, tenant_id, batch)
            errors.extend(unknown)
            return count
        known = await Drivers(session, tenant_id).known({t.driver_id for _, t in batch})
        errors.extend(RowError(i, f"$[{i}].driver_id", f"unknown driver {t.driver_id!r}")
                      for i, t in batch if t.driver_id not in known)
        rows = [trip_values(t) for _, t in batch if t.driver_id in known]
        return await copy_trips(session, tenant_id, rows)


async def copy_trips(session: AsyncSession, tenant_id: str, rows: list[dict[str, Any]]) -> int:
    await session.execute(text(STAGE))
    connection = await (await session.connection()).get_raw_connection()
    records = [(tenant_id, *(row[c] for c in COLUMNS)) for row in rows]
    await connection.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        "trips_import", records=records, columns=("tenant_id", *COLUMNS))
    columns = ", ".join(("tenant_id", *COLUMNS))
    moved = await session.execute(text(
        f"INSERT INTO trips ({columns}) SELECT {columns} FROM trips_import WHERE tenant_id = :tenant "
        "ON CONFLICT DO NOTHING"), {"tenant": tenant_id})
    await session.execute(text("TRUNCATE trips_import"))
    return int(moved.rowcount)  # type: ignore[attr-defined]
