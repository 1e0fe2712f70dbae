"""Request examples for the OpenAPI document (and for a person reading it)."""

from __future__ import annotations

from litestar.openapi.spec import Example

TRIP = {"driver_id": "d-1001", "trip_id": "t-2026-10-01-0001", "started_at": "2026-10-01T07:42:00-05:00",
        "ended_at": "2026-10-01T08:05:00-05:00", "miles": 14.2, "hard_braking_events": 1,
        "aggressive_turning_events": 0, "speeding_minutes": 1.5, "tailgating_seconds": 40.0,
        "phone_use_seconds": 0.0, "night_miles": 0.0}
DRIVER = [Example(summary="A Texas driver", value={"state": "TX", "prior_claim_count": 0})]
TRIPS = [Example(summary="One trip summary", value={"trips": [TRIP]})]
RAW_TRIP = [Example(summary="A short trace", value={
    "driver_id": "d-1001", "trip_id": "t-raw-1", "timezone": "America/Chicago", "samples": [
        {"t": "2026-10-01T07:42:00-05:00", "lat": 32.78, "lon": -96.80, "speed_mps": 12.0, "accel_long_mps2": 0.2,
         "accel_lat_mps2": 0.1, "speed_limit_mps": 13.4},
        {"t": "2026-10-01T07:42:01-05:00", "lat": 32.7801, "lon": -96.8, "speed_mps": 12.5, "accel_long_mps2": 0.3,
         "accel_lat_mps2": 0.0, "speed_limit_mps": 13.4}]})]
RUN = [Example(summary="Score October 2026", value={"period": "2026-10"})]
