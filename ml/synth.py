"""The v3 synthetic telematics generator of the model documentation (seed 001), formula for formula.

The documentation fixes the archetype shares and base risks, the risk core with its weights, the
seasonality, the noise, the logistic centre and the clipping; it only says the feature draws are
"gamma / normal, differing per archetype". ``ARCHETYPES`` pins those draws so the data is
reproducible; everything else follows the document exactly. ``driver_type`` is kept for audits and
fairness checks but is never a model input, and ``noise_free_risk`` (the same formula with the noise
set to zero) gives the noise floor a model cannot beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURE_COLUMNS: tuple[str, ...] = (
    "hard_braking_events_per_100mi",
    "aggressive_turning_events_per_100mi",
    "tailgating_time_ratio",
    "speeding_minutes_per_100mi",
    "late_night_miles_per_100mi",
    "miles",
    "prior_claim_count",
)
"""The model inputs, in the documentation's order. Scoring sends them in exactly this order."""

TARGET_COLUMN = "target_risk"
NOISE_SIGMA = 0.07
SIGMOID_CENTRE = 0.9
RISK_BOUNDS = (0.01, 0.99)


@dataclass(frozen=True)
class Archetype:
    """One driver population: its share, base risk anchor and feature draws (gamma shape/scale, normal)."""

    name: str
    share: float
    base_risk: float
    braking: tuple[float, float]
    turning: tuple[float, float]
    tailgating: tuple[float, float]
    speeding: tuple[float, float]
    late_night: tuple[float, float]
    miles: tuple[float, float]


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("safe", 0.70, 0.10, (1.5, 0.6), (1.5, 0.5), (0.03, 0.02), (1.5, 1.0), (1.0, 0.5), (900.0, 250.0)),
    Archetype("moderate", 0.20, 0.30, (2.5, 1.0), (2.5, 0.8), (0.08, 0.04), (2.5, 2.0), (1.5, 1.0), (1000.0, 300.0)),
    Archetype("risky", 0.10, 0.70, (4.0, 1.6), (4.0, 1.3), (0.20, 0.07), (4.0, 3.5), (3.0, 2.0), (1100.0, 350.0)),
)


def linear_risk(f: pd.DataFrame | dict[str, np.ndarray]) -> np.ndarray:
    """The documented risk core, weights unchanged (speeding linear + convex + speed×braking)."""
    speeding = np.asarray(f["speeding_minutes_per_100mi"], dtype=float)
    braking = np.asarray(f["hard_braking_events_per_100mi"], dtype=float)
    tailgating_effect = np.asarray(f["tailgating_time_ratio"], dtype=float) * 2.0
    speed_braking_interaction = (speeding / 10) * (braking / 5) * 0.6
    speeding_linear = 0.10 * speeding
    speeding_convex = 0.02 * (speeding**2 / 100.0)
    return np.asarray(
        tailgating_effect
        + 0.08 * braking
        + 0.06 * np.asarray(f["aggressive_turning_events_per_100mi"], dtype=float)
        + speeding_linear
        + speeding_convex
        + 0.03 * np.asarray(f["late_night_miles_per_100mi"], dtype=float)
        + 0.02 * np.asarray(f["prior_claim_count"], dtype=float)
        + speed_braking_interaction
    )


def seasonal_factor(period_index: np.ndarray) -> np.ndarray:
    return np.asarray(1 + 0.1 * np.sin(2 * np.pi * np.asarray(period_index, dtype=float) / 12))


def risk_from(base_risk: np.ndarray, core: np.ndarray, noise: np.ndarray, period_index: np.ndarray) -> np.ndarray:
    """``clip(base + sigmoid(core + noise - 0.9) * seasonal, 0.01, 0.99)``, as documented."""
    raw_sigmoid = 1 / (1 + np.exp(-(core + noise - SIGMOID_CENTRE)))
    return np.clip(base_risk + raw_sigmoid * seasonal_factor(period_index), *RISK_BOUNDS)


def _draw_features(rng: np.random.Generator, kinds: np.ndarray) -> dict[str, np.ndarray]:
    """Per-archetype draws; tailgating is a ratio (clipped to [0, 1]), counts and rates are non-negative."""
    n = len(kinds)
    cols = {name: np.zeros(n) for name in FEATURE_COLUMNS}
    for code, arch in enumerate(ARCHETYPES):
        idx = np.flatnonzero(kinds == code)
        m = len(idx)
        cols["hard_braking_events_per_100mi"][idx] = rng.gamma(*arch.braking, m)
        cols["aggressive_turning_events_per_100mi"][idx] = rng.gamma(*arch.turning, m)
        cols["tailgating_time_ratio"][idx] = np.clip(rng.normal(*arch.tailgating, m), 0.0, 1.0)
        cols["speeding_minutes_per_100mi"][idx] = rng.gamma(*arch.speeding, m)
        cols["late_night_miles_per_100mi"][idx] = np.clip(rng.gamma(*arch.late_night, m), 0.0, 100.0)
        cols["miles"][idx] = np.clip(rng.normal(*arch.miles, m), 50.0, None)
        cols["prior_claim_count"][idx] = rng.poisson(arch.base_risk, m)
    return cols


def synthesize(rows: int = 20_000, seed: int = 42, periods: int = 12) -> pd.DataFrame:
    """A driver-period table: the 7 features, ``period_index``, ``driver_type``, the noisy
    ``target_risk`` label and the ``noise_free_risk`` used for the noise-floor metric."""
    rng = np.random.default_rng(seed)
    shares = np.array([a.share for a in ARCHETYPES])
    kinds = rng.choice(len(ARCHETYPES), size=rows, p=shares)
    features = _draw_features(rng, kinds)
    period_index = rng.integers(0, periods, rows)
    noise = rng.normal(0.0, NOISE_SIGMA, rows)
    base = np.array([a.base_risk for a in ARCHETYPES])[kinds]
    core = linear_risk(features)
    frame = pd.DataFrame(features)
    frame["prior_claim_count"] = frame["prior_claim_count"].astype(np.int64)
    frame["period_index"] = period_index
    frame["driver_type"] = np.array([a.name for a in ARCHETYPES])[kinds]
    frame[TARGET_COLUMN] = risk_from(base, core, noise, period_index)
    frame["noise_free_risk"] = risk_from(base, core, np.zeros(rows), period_index)
    return frame
