"""The vocabulary of rating factors.

Rulesets name these in ``limit`` / ``exclude`` actions and in ``forbidden_factors``; the rating
engine produces exactly these factors. Keeping the list in one place lets the DSL type checker
reject an unknown factor name at load time with a suggestion instead of a silent no-op at rating.
"""

from __future__ import annotations

RATING_FACTORS: dict[str, str] = {
    "territory": "territory (ZIP code) factor",
    "vehicle": "vehicle type, age, safety and theft factor",
    "driver_age": "driver age band factor",
    "years_licensed": "driving experience factor",
    "violations": "moving violations factor",
    "accidents": "at-fault accidents factor",
    "credit": "credit-based insurance score factor",
    "gender": "gender factor",
    "marital_status": "marital status factor",
    "mileage": "annual mileage factor",
    "telematics": "telematics risk multiplier from the shared model",
}
"""Factor name → plain description. Names are stable: they appear in decision records."""

FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "behavioral": (
        "hard_braking_events_per_100mi",
        "aggressive_turning_events_per_100mi",
        "tailgating_time_ratio",
        "speeding_minutes_per_100mi",
    ),
    "contextual": ("late_night_miles_per_100mi",),
    "mileage": ("miles",),
    "phone_usage": (),
}
"""Tenant feature group → the shared model's inputs it unlocks. A model input whose group is not
enabled for the tenant in that state is sent as missing (imputed to the training median), so it
cannot move the score. ``prior_claim_count`` is claims history, not telematics, and is always used.
The shared model has no phone-usage input yet: the group gates ``phone_use_minutes_per_100mi``
for rules and future models."""
