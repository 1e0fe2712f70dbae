"""Quotes for rule tests: one realistic base quote, and overlays that change only what a case needs."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from saas.quote.schemas import Quote

BASE_QUOTE: dict[str, Any] = {
    "policy": {"state": "CA", "zip_code": "90210", "effective_date": "2026-03-01", "years_with_company": 4},
    "vehicle": {"model_year": 2021, "vehicle_type": "suv", "safety_rating": 5, "theft_risk": "low",
                "annual_mileage": 9000, "mileage_verified": True},
    "drivers": [
        {"age": 45, "years_licensed": 25, "credit_tier": "good", "gender": "female", "primary": True},
        {"age": 19, "years_licensed": 2, "violations": 1},
    ],
    "telematics": {"hard_braking_events_per_100mi": 1.5, "aggressive_turning_events_per_100mi": 0.4,
                   "tailgating_time_ratio": 0.1, "speeding_minutes_per_100mi": 3.2,
                   "late_night_miles_per_100mi": 0.7, "miles": 812.3, "months_observed": 6},
}


def merge(base: Any, overlay: Any) -> Any:
    """Deep-merge dicts; lists and scalars (and null) in the overlay replace the base value."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return copy.deepcopy(overlay)


def quote_with(overlay: dict[str, Any] | None = None) -> Quote:
    """A validated quote; ``drivers: []`` is set after validation (the schema requires one driver,
    but the evaluator must still define any/all/count over an empty list)."""
    data = merge(BASE_QUOTE, overlay or {})
    empty_drivers = data.get("drivers") == []
    if empty_drivers:
        data["drivers"] = BASE_QUOTE["drivers"]
    quote = msgspec.convert(data, Quote)
    return msgspec.structs.replace(quote, drivers=[]) if empty_drivers else quote


@pytest.fixture
def base_quote() -> Quote:
    return quote_with()
