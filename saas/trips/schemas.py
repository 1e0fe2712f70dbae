"""Strict structs for trip ingestion: per-trip summaries and raw sensor traces.

A partner either sends ``TripSummary`` rows its own devices already aggregated, or a ``RawTrip``
trace that ``saas.trips.detection`` turns into one. Decoding is strict (unknown fields refused,
timestamps must carry a UTC offset) so a wrong unit or a local-time string fails at the boundary
with a JSON path instead of skewing a month of scores. Cross-field checks raise ``ValueError``
naming the offending field; msgspec reports them with the struct's path (``$.trips[3]``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Meta, Struct

EntityId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                               description="1–64 letters, digits, '_' or '-': safe in keys, paths and logs")]
Instant = Annotated[dt.datetime, Meta(tz=True, description="ISO-8601 with a UTC offset")]
Events = Annotated[int, Meta(ge=0, le=100_000)]
Miles = Annotated[float, Meta(ge=0.0, le=5_000.0)]
Minutes = Annotated[float, Meta(ge=0.0, le=10_000.0)]
Seconds = Annotated[float, Meta(ge=0.0, le=600_000.0)]
TimeZone = Annotated[str, Meta(pattern=r"^[A-Za-z][A-Za-z0-9_+/-]{0,63}$", description="IANA time zone name")]

DURATION_SLACK_S = 1.0
"""Rounding slack when comparing accumulated seconds with the trip's duration."""
MAX_SAMPLES = 100_000
"""About 27 hours at 1 Hz: longer traces are split by the device before upload."""
MAX_TRIPS = 10_000


def _require_aware(name: str, value: dt.datetime) -> None:
    """msgspec checks ``tz=True`` only when decoding; structs built in Python get the same guard."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a UTC offset")


class TripSummary(Struct, forbid_unknown_fields=True, frozen=True):
    """One trip's totals: the unit monthly features are summed from."""

    driver_id: EntityId
    trip_id: EntityId
    started_at: Instant
    ended_at: Instant
    miles: Miles
    hard_braking_events: Events = 0
    aggressive_turning_events: Events = 0
    speeding_minutes: Minutes = 0.0
    tailgating_seconds: Seconds = 0.0
    phone_use_seconds: Seconds = 0.0
    night_miles: Miles = 0.0

    def __post_init__(self) -> None:
        _require_aware("started_at", self.started_at)
        _require_aware("ended_at", self.ended_at)
        if self.ended_at <= self.started_at:
            raise ValueError("ended_at must be after started_at")
        if self.night_miles > self.miles:
            raise ValueError(f"night_miles ({self.night_miles}) must not exceed miles ({self.miles})")
        self._within_duration("speeding_minutes", self.speeding_minutes * 60.0)
        self._within_duration("tailgating_seconds", self.tailgating_seconds)
        self._within_duration("phone_use_seconds", self.phone_use_seconds)

    @property
    def duration_s(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()

    def _within_duration(self, name: str, seconds: float) -> None:
        """Catches unit mix-ups (seconds sent as minutes) that a per-field bound cannot see."""
        if seconds > self.duration_s + DURATION_SLACK_S:
            raise ValueError(f"{name} exceeds the trip's duration of {self.duration_s:g} s")


class RawSample(Struct, forbid_unknown_fields=True, frozen=True):
    """One reading: GPS fix and speed, accelerations in the vehicle frame (braking is negative
    ``accel_long_mps2``), and the posted limit where the map provider knew it."""

    t: Instant
    lat: Annotated[float, Meta(ge=-90.0, le=90.0)]
    lon: Annotated[float, Meta(ge=-180.0, le=180.0)]
    speed_mps: Annotated[float, Meta(ge=0.0, le=120.0)]
    accel_long_mps2: Annotated[float, Meta(ge=-100.0, le=100.0)]
    accel_lat_mps2: Annotated[float, Meta(ge=-100.0, le=100.0)]
    speed_limit_mps: Annotated[float, Meta(gt=0.0, le=120.0)] | None = None


class RawTrip(Struct, forbid_unknown_fields=True, frozen=True):
    """A trace to run detection on; ``timezone`` is where the trip was driven (night = local night).

    Time order is checked by detection, which has the timestamps as one vector anyway."""

    driver_id: EntityId
    trip_id: EntityId
    timezone: TimeZone
    samples: Annotated[list[RawSample], Meta(min_length=2, max_length=MAX_SAMPLES)]

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: unknown IANA time zone {self.timezone!r}") from None


class TripUpload(Struct, forbid_unknown_fields=True, frozen=True):
    """What ``POST /v1/trips`` accepts: up to 10,000 objects, each validated on its own as a
    ``TripSummary`` (valid rows land; each invalid one is reported by index and path), so the
    envelope, not each row, is the request's schema."""

    trips: Annotated[list[dict[str, Any]], Meta(min_length=1, max_length=MAX_TRIPS,
                                               description="trip summaries (see TripSummary)")]


class TripBatch(Struct, forbid_unknown_fields=True, frozen=True):
    """Up to 10,000 summaries in one upload; a trip id appears once (it is the idempotency key)."""

    trips: Annotated[list[TripSummary], Meta(min_length=1, max_length=MAX_TRIPS)]

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for i, trip in enumerate(self.trips):
            first = seen.setdefault(trip.trip_id, i)
            if first != i:
                raise ValueError(f"trips[{i}].trip_id {trip.trip_id!r} repeats trips[{first}].trip_id")
