"""Drivers and trip ingestion: every valid row lands, every invalid row is named, nothing twice.

A batch is decoded row by row (not as one struct that stops at the first error) so one bad trip
does not cost the partner the other 9,999. Stored trips are keyed by (tenant, trip id): inserting
with ``ON CONFLICT DO NOTHING`` makes a re-sent batch write nothing and report duplicates, and the
whole batch is one transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.clock import utc_timestamp
from saas.errors import ValidationFailed
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import DriverRequest, DriverView, IngestReport, RowError
from saas.trips.models import DriverRow, TripRow
from saas.trips.repository import Drivers, Trips
from saas.trips.schemas import MAX_TRIPS, TripSummary

INSERT_SLICE = 1_000
"""Rows per INSERT statement (bounded by the database's parameter limit: 16 columns each)."""


class RawBatch(msgspec.Struct, forbid_unknown_fields=True):
    trips: list[msgspec.Raw]


def message_and_path(exc: msgspec.ValidationError | msgspec.DecodeError, prefix: str) -> tuple[str, str]:
    text = str(exc)
    detail, _, at = text.partition(" - at `$")
    return detail, prefix + (at.rstrip("`") if at else "")


def decode_rows(body: bytes) -> tuple[list[tuple[int, TripSummary]], list[RowError], int]:
    """(index, trip) of each valid row, the errors of the others, and how many rows came."""
    try:
        batch = msgspec.json.decode(body, type=RawBatch)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        detail, path = message_and_path(exc, "$")
        raise ValidationFailed(detail, path=path) from None
    if not 1 <= len(batch.trips) <= MAX_TRIPS:
        raise ValidationFailed(f"send 1 to {MAX_TRIPS} trips per call, got {len(batch.trips)}", path="$.trips")
    for index, raw in enumerate(batch.trips):  # the envelope: a list of objects (each then checked alone)
        if bytes(raw).lstrip()[:1] != b"{":
            raise ValidationFailed("each trip must be a JSON object; nothing of this upload was stored",
                                   path=f"$.trips[{index}]")
    valid: list[tuple[int, TripSummary]] = []
    errors: list[RowError] = []
    first: dict[str, int] = {}
    for index, raw in enumerate(batch.trips):
        try:
            trip = msgspec.json.decode(raw, type=TripSummary)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            detail, path = message_and_path(exc, f"$.trips[{index}]")
            errors.append(RowError(index, path, detail))
            continue
        seen = first.setdefault(trip.trip_id, index)
        if seen != index:
            errors.append(RowError(index, f"$.trips[{index}].trip_id", f"trip_id repeats trips[{seen}]"))
            continue
        valid.append((index, trip))
    return valid, errors, len(batch.trips)


def trip_values(trip: TripSummary, detector_version: str | None = None) -> dict[str, Any]:
    return {"trip_id": trip.trip_id, "driver_id": trip.driver_id, "period": period_of(trip),
            "started_at": trip.started_at, "ended_at": trip.ended_at, "driving_seconds": trip.duration_s,
            "miles": trip.miles, "hard_braking_events": trip.hard_braking_events,
            "aggressive_turning_events": trip.aggressive_turning_events, "speeding_minutes": trip.speeding_minutes,
            "tailgating_seconds": trip.tailgating_seconds, "phone_use_seconds": trip.phone_use_seconds,
            "night_miles": trip.night_miles, "detector_version": detector_version}


def period_of(trip: TripSummary) -> str:
    """The month a trip counts in: the UTC month it started in (one rule for every tenant)."""
    return trip.started_at.astimezone(dt.UTC).strftime("%Y-%m")


async def store_trips(session: AsyncSession, tenant_id: str, rows: Sequence[tuple[int, TripSummary]],
                      detector_version: str | None = None) -> tuple[int, list[RowError]]:
    """Insert the rows of known drivers; returns how many were new, and the unknown-driver errors."""
    known = await Drivers(session, tenant_id).known({trip.driver_id for _, trip in rows})
    errors = [RowError(i, f"$.trips[{i}].driver_id", f"unknown driver {t.driver_id!r}: PUT /v1/drivers/{{id}} first")
              for i, t in rows if t.driver_id not in known]
    storable = [trip_values(t, detector_version) for _, t in rows if t.driver_id in known]
    trips, inserted = Trips(session, tenant_id), 0
    for start in range(0, len(storable), INSERT_SLICE):
        stmt = trips.insert_rows(storable[start:start + INSERT_SLICE]).on_conflict_do_nothing() \
            .returning(TripRow.trip_id)
        inserted += len((await session.execute(stmt)).all())
    return inserted, errors


async def ingest_batch(session: AsyncSession, tenant_id: str, body: bytes) -> IngestReport:
    valid, errors, received = decode_rows(body)
    inserted, unknown = await store_trips(session, tenant_id, valid)
    errors = sorted([*errors, *unknown], key=lambda e: e.index)
    return IngestReport(received=received, accepted=inserted, duplicates=received - len(errors) - inserted,
                        rejected=len(errors), errors=errors)


async def put_driver(session: AsyncSession, tenant: LoadedTenant, driver_id: str,
                     request: DriverRequest) -> tuple[DriverView, bool]:
    """Create or replace the tenant's driver; ``created`` says which (201 or 200)."""
    if request.state not in tenant.config.states:
        raise ValidationFailed(f"the tenant does not rate in {request.state} "
                               f"(rates in {', '.join(tenant.config.states)})", path="$.state")
    drivers = Drivers(session, tenant.config.id)
    existed = await drivers.get_one_or_none(DriverRow.driver_id == driver_id) is not None
    now = utc_timestamp()
    values = {"driver_id": driver_id, "state": request.state, "prior_claim_count": request.prior_claim_count,
              "updated_at": now}
    stmt = drivers.insert(**values).on_conflict_do_update(
        index_elements=["tenant_id", "driver_id"],
        set_={"state": request.state, "prior_claim_count": request.prior_claim_count, "updated_at": now})
    await session.execute(stmt)
    return DriverView(driver_id, request.state, request.prior_claim_count, now), not existed
