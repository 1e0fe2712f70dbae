"""Example request bodies shown in the OpenAPI document (and sent by contract tests as-is)."""

from __future__ import annotations

from typing import Any

EXAMPLE_QUOTE: dict[str, Any] = {
    "policy": {"state": "TX", "zip_code": "75201", "effective_date": "2026-06-01", "coverage_level": "standard"},
    "vehicle": {"model_year": 2021, "vehicle_type": "sedan", "safety_rating": 5, "theft_risk": "low"},
    "drivers": [{"age": 38, "years_licensed": 20, "violations": 0, "at_fault_accidents": 0, "primary": True}],
    "coverages": {"pip": True},
    "telematics": {"hard_braking_events_per_100mi": 1.5, "aggressive_turning_events_per_100mi": 1.0,
                   "tailgating_time_ratio": 0.05, "speeding_minutes_per_100mi": 3.0,
                   "late_night_miles_per_100mi": 1.0, "miles": 900, "prior_claim_count": 0},
}
