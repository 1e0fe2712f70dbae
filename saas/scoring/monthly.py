"""A driver-month's totals → the shared model's features, as the model documentation defines them.

Per-100-mile rates are ``100 · count / miles``, the tailgating ratio is tailgating time over driving
time, ``miles`` is the month's exposure and ``prior_claim_count`` the claims on record. A driver
with no miles (or no driving time) has no rate: the feature is NaN, which the model treats as
missing and imputes to the training median (``RiskModel.transform``), rather than a 0 that would
read as a perfect record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

PER = 100.0
"""Rates are per 100 miles."""


@dataclass(frozen=True)
class MonthlyTotals:
    """One driver-month per position, every field an equally long 1-D array (as SQL sums arrive)."""

    miles: np.ndarray
    hard_braking_events: np.ndarray
    aggressive_turning_events: np.ndarray
    speeding_minutes: np.ndarray
    tailgating_seconds: np.ndarray
    driving_seconds: np.ndarray
    night_miles: np.ndarray
    prior_claims: np.ndarray

    def __post_init__(self) -> None:
        lengths = set()
        for f in fields(self):
            column = np.asarray(getattr(self, f.name), dtype=np.float64)
            if column.ndim != 1:
                raise ValueError(f"{f.name} must be a 1-D array, got shape {column.shape}")
            if np.any(column < 0):
                raise ValueError(f"{f.name} has a negative total at row {int(np.argmax(column < 0))}")
            object.__setattr__(self, f.name, column)
            lengths.add(len(column))
        if len(lengths) > 1:
            raise ValueError(f"all totals must have the same length, got {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.miles)


def per_100_miles(count: np.ndarray, miles: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(miles), np.nan)
    np.divide(PER * np.asarray(count, dtype=np.float64), miles, out=out, where=np.asarray(miles) > 0)
    return out


def time_ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Clipped to 1: per-trip checks allow a second of rounding slack, the model's ratio does not."""
    out = np.full(np.shape(whole), np.nan)
    np.divide(np.asarray(part, dtype=np.float64), whole, out=out, where=np.asarray(whole) > 0)
    return np.minimum(out, 1.0)


def monthly_features(totals: MonthlyTotals) -> dict[str, np.ndarray]:
    """The seven model inputs, in the documentation's order, one value per driver-month."""
    return {
        "hard_braking_events_per_100mi": per_100_miles(totals.hard_braking_events, totals.miles),
        "aggressive_turning_events_per_100mi": per_100_miles(totals.aggressive_turning_events, totals.miles),
        "tailgating_time_ratio": time_ratio(totals.tailgating_seconds, totals.driving_seconds),
        "speeding_minutes_per_100mi": per_100_miles(totals.speeding_minutes, totals.miles),
        "late_night_miles_per_100mi": per_100_miles(totals.night_miles, totals.miles),
        "miles": totals.miles.copy(),
        "prior_claim_count": totals.prior_claims.copy(),
    }


def feature_matrix(features: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """Columns in a model's order (``RiskModel.feature_names``); a column the totals cannot give is
    NaN, so a newer model's extra input is imputed, as the inference contract says for missing ones."""
    rows = len(next(iter(features.values()))) if features else 0
    missing = np.full(rows, np.nan)
    return np.column_stack([features.get(name, missing) for name in names]) if names else np.empty((rows, 0))
