"""A sample book for an impact test when the tenant has no recent quotes in a state (a new tenant, the demo).

The scenarios cross the table's own territories (one ZIP of each), vehicle types and coverage
levels with a few driver profiles, so every factor the table sets is exercised; they are sent to
the same ``test`` service call as the API's caller-supplied scenarios, keyed by what they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from saas.rating.schemas import RateTableSpec

DRIVERS = ({"age": 19, "years_licensed": 2, "violations": 1, "at_fault_accidents": 0},
           {"age": 34, "years_licensed": 15, "violations": 0, "at_fault_accidents": 0},
           {"age": 52, "years_licensed": 30, "violations": 0, "at_fault_accidents": 1},
           {"age": 78, "years_licensed": 55, "violations": 0, "at_fault_accidents": 0})
TELEMATICS = {"hard_braking_events_per_100mi": 1.5, "aggressive_turning_events_per_100mi": 1.0,
              "tailgating_time_ratio": 0.05, "speeding_minutes_per_100mi": 3.0, "late_night_miles_per_100mi": 1.0,
              "miles": 900, "prior_claim_count": 0}


def _zips(spec: RateTableSpec) -> list[tuple[str, str]]:
    """(territory code, a 5-digit ZIP in it); a prefix pattern is completed with zeros."""
    out = [(area.code, area.zips[0].ljust(5, "0")) for area in spec.territories.areas]
    return out or [(spec.territories.default.code, "00000")]


def sample_book(spec: RateTableSpec, today: dt.date) -> list[msgspec.Raw]:
    effective = max(today, spec.effective_date).isoformat()
    scenarios: list[msgspec.Raw] = []
    for code, zip_code in _zips(spec):
        for vehicle_type in spec.vehicle.type:
            for level in ("basic", "standard", "premium"):
                for index, driver in enumerate(DRIVERS):
                    quote: dict[str, Any] = {
                        "policy": {"state": spec.state, "zip_code": zip_code, "effective_date": effective,
                                   "coverage_level": level},
                        "vehicle": {"model_year": today.year - 3 * index, "vehicle_type": vehicle_type},
                        "drivers": [{**driver, "primary": True}], "telematics": TELEMATICS}
                    key = f"{code}/{vehicle_type}/{level}/driver-{driver['age']}"
                    scenarios.append(msgspec.Raw(msgspec.json.encode({"scenario_id": key, "quote": quote})))
    return scenarios
