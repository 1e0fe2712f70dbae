"""Trip structs: strict decoding, offsets required, and cross-field checks reported with a path."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from saas.trips.schemas import RawTrip, TripBatch, TripSummary

pytestmark = pytest.mark.unit


def summary(**kw: Any) -> dict[str, Any]:
    base = {"driver_id": "drv-1", "trip_id": "trip_1", "started_at": "2024-05-01T08:00:00-07:00",
            "ended_at": "2024-05-01T08:30:00-07:00", "miles": 12.5, "hard_braking_events": 1,
            "speeding_minutes": 2.0, "night_miles": 0.0}
    return {**base, **kw}


def raw(**kw: Any) -> dict[str, Any]:
    sample = {"t": "2024-05-01T08:00:00Z", "lat": 34.0, "lon": -118.2, "speed_mps": 10.0,
              "accel_long_mps2": 0.0, "accel_lat_mps2": 0.0}
    later = {**sample, "t": "2024-05-01T08:00:01Z", "speed_limit_mps": 13.4}
    return {"driver_id": "drv-1", "trip_id": "trip_1", "timezone": "America/Los_Angeles",
            "samples": [sample, later], **kw}


def decode_error(payload: dict[str, Any], type_: type) -> str:
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(msgspec.json.encode(payload), type=type_)
    return str(info.value)


def test_a_valid_summary_and_trace_decode() -> None:
    trip = msgspec.json.decode(msgspec.json.encode(summary()), type=TripSummary)
    assert trip.duration_s == 1800 and trip.started_at.utcoffset() is not None
    trace = msgspec.json.decode(msgspec.json.encode(raw()), type=RawTrip)
    assert trace.samples[0].speed_limit_mps is None and trace.samples[1].speed_limit_mps == 13.4


@pytest.mark.parametrize(("change", "expected"), [
    ({"started_at": "2024-05-01T08:00:00"}, "timezone component - at `$.started_at`"),
    ({"ended_at": "2024-05-01T07:59:00-07:00"}, "ended_at must be after started_at"),
    ({"ended_at": "2024-05-01T08:00:00-07:00"}, "ended_at must be after started_at"),
    ({"night_miles": 13.0}, "night_miles (13.0) must not exceed miles (12.5)"),
    ({"speeding_minutes": 31.0}, "speeding_minutes exceeds the trip's duration"),
    ({"tailgating_seconds": 1802.0}, "tailgating_seconds exceeds the trip's duration"),
    ({"phone_use_seconds": 1900.0}, "phone_use_seconds exceeds the trip's duration"),
    ({"miles": -1.0}, "`$.miles`"),
    ({"hard_braking_events": 1.5}, "`$.hard_braking_events`"),
    ({"trip_id": "../etc/passwd"}, "`$.trip_id`"),
    ({"driver_id": "x" * 65}, "`$.driver_id`"),
    ({"extra": 1}, "unknown field `extra`"),
])
def test_summary_rejections_name_the_field(change: dict[str, Any], expected: str) -> None:
    assert expected in decode_error(summary(**change), TripSummary)


def test_trace_rejections() -> None:
    assert "unknown IANA time zone 'Mars/Olympus'" in decode_error(raw(timezone="Mars/Olympus"), RawTrip)
    assert "`$.timezone`" in decode_error(raw(timezone="../../etc/passwd"), RawTrip)
    assert "length >= 2 - at `$.samples`" in decode_error(raw(samples=raw()["samples"][:1]), RawTrip)
    bad = raw()
    bad["samples"][1]["speed_mps"] = -1.0
    assert "`$.samples[1].speed_mps`" in decode_error(bad, RawTrip)
    bad["samples"][1] = {**raw()["samples"][1], "t": "2024-05-01T08:00:01"}
    assert "`$.samples[1].t`" in decode_error(bad, RawTrip)


def test_a_batch_refuses_a_repeated_trip_id_and_more_than_ten_thousand_trips() -> None:
    trips = [summary(trip_id=f"t{i}") for i in range(3)] + [summary(trip_id="t1")]
    assert decode_error({"trips": trips}, TripBatch) == "trips[3].trip_id 't1' repeats trips[1].trip_id"
    assert "length <= 10000" in decode_error({"trips": [summary()] * 10_001}, TripBatch)
    assert "length >= 1" in decode_error({"trips": []}, TripBatch)
