"""Per-driver explanations: exact feature contributions (TreeSHAP) in plain language.

``explain_batch`` is the one entry point the rating engine, scoring jobs and routes call, so the
method behind it (today xgboost's exact TreeSHAP) can be swapped for a faster exact one without
touching callers. Sentences speak to drivers and regulators: what the behaviour was, and whether it
raised or lowered the score and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from msgspec import Struct

from saas.scoring.protocol import ScoringModel

NEGLIGIBLE = 0.0005
"""Contributions smaller than this (in score units) are described as having almost no effect."""

FEATURE_WORDING: dict[str, tuple[str, str]] = {
    "hard_braking_events_per_100mi": ("Hard braking", "{:.1f} events per 100 miles"),
    "aggressive_turning_events_per_100mi": ("Aggressive turning", "{:.1f} events per 100 miles"),
    "tailgating_time_ratio": ("Following too closely", "{:.0%} of driving time"),
    "speeding_minutes_per_100mi": ("Speeding", "{:.1f} minutes per 100 miles"),
    "late_night_miles_per_100mi": ("Late-night driving (midnight to 4 am)", "{:.1f} of every 100 miles"),
    "miles": ("Mileage", "{:,.0f} miles in the period"),
    "prior_claim_count": ("Prior claims", "{:.0f} on record"),
}
"""Feature → (plain name, how to state its value). Unknown features fall back to their column name."""


class FactorContribution(Struct, forbid_unknown_fields=True, frozen=True):
    feature: str
    value: float | None
    contribution: float
    sentence: str


class Explanation(Struct, forbid_unknown_fields=True, frozen=True):
    risk: float
    bias: float
    contributions: list[FactorContribution]
    top_adverse: list[FactorContribution]
    top_positive: list[FactorContribution]


def _effect(contribution: float, log_scale: bool) -> str:
    if abs(contribution) < NEGLIGIBLE:
        return "had almost no effect on the risk score"
    direction = "raised" if contribution > 0 else "lowered"
    if log_scale:
        return f"{direction} the expected claim frequency by {abs(math.expm1(contribution)):.1%}"
    return f"{direction} the risk score by {abs(contribution):.3f}"


def sentence(feature: str, value: float | None, contribution: float, *, log_scale: bool = False) -> str:
    name, unit = FEATURE_WORDING.get(feature, (feature, "{:g}"))
    effect = _effect(contribution, log_scale)
    if value is None:
        return f"{name} was not reported, so a typical value was assumed; this {effect}."
    return f"{name} ({unit.format(value)}) {effect}."


def _row(model: ScoringModel, risk: float, raw: np.ndarray, contribs: np.ndarray, top: int,
         excluded: Mapping[str, str]) -> Explanation:
    log_scale = model.objective == "count:poisson"
    factors = []
    for name, value, c in zip(model.feature_names, raw, contribs[:-1], strict=True):
        if name in excluded:  # marginalised out: exactly 0, and said why, never "not reported"
            plain = FEATURE_WORDING.get(name, (name, ""))[0]
            factors.append(FactorContribution(name, None, 0.0, f"{plain} is {excluded[name]}, so it does not "
                                                                f"affect the risk score."))
            continue
        shown = None if math.isnan(value) else float(value)
        factors.append(FactorContribution(name, shown, float(c), sentence(name, shown, float(c), log_scale=log_scale)))
    ranked = sorted(factors, key=lambda f: f.contribution)
    adverse = [f for f in reversed(ranked) if f.contribution >= NEGLIGIBLE][:top]
    positive = [f for f in ranked if f.contribution <= -NEGLIGIBLE][:top]
    return Explanation(risk=risk, bias=float(contribs[-1]), contributions=factors,
                       top_adverse=adverse, top_positive=positive)


def explain_batch(model: ScoringModel, X: np.ndarray, *, top: int = 3) -> list[Explanation]:
    """Risk, bias and every feature's exact contribution for each row of raw features ``X``
    (``RiskModel.prepare`` output), with the ``top`` factors that raised and lowered the score."""
    X = np.asarray(X, dtype=np.float64)
    return explain_rows(model, X, model.score(X), model.contributions(X), top=top)


def explain_rows(model: ScoringModel, X: np.ndarray, risks: np.ndarray, contribs: np.ndarray, *,
                 top: int = 3, excluded: Mapping[str, str] | None = None) -> list[Explanation]:
    """Explanations from already computed scores and contributions: a bulk caller computes them in
    one model call and builds these objects a slice at a time, so they never all live at once."""
    return [_row(model, float(risks[i]), X[i], contribs[i], top, excluded or {}) for i in range(len(X))]
