"""Tenant mappings of the shared model's risk score: premium multiplier, tier, safety score.

The model is shared; each tenant turns its score into money its own way (``Pricing``). All the
arithmetic is Decimal under a fixed context, starting from the risk quantised to 6 decimal places
(``Decimal(repr(risk))`` then ``quantize(0.000001)``): a decision record stores that 6-place risk,
and replaying it through this module gives the same multiplier to the last digit on any machine.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import numpy as np
from msgspec import Struct

from saas.money import MONEY
from saas.scoring.protocol import ScoringModel
from saas.tenancy.schemas import Pricing, Tier

FALLBACK_SCALING = Decimal("0.35")
"""Scaling factor used when the model has no usable p5/p95 (the documentation's fallback)."""
RISK_PLACES = Decimal("0.000001")
MULTIPLIER_PLACES = Decimal("0.000001")
SAFETY_PLACES = Decimal("0.1")
BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("0.3"), Decimal("0.80")),
    (Decimal("0.5"), Decimal("0.90")),
    (Decimal("0.7"), Decimal("1.00")),
    (Decimal("0.85"), Decimal("1.15")),
)
BAND_TOP = Decimal("1.30")
"""The rating design's score → factor table (seed 002 ``_score_to_factor``): below each bound, its factor."""


class ScoreMapping(Struct, forbid_unknown_fields=True, frozen=True):
    risk: float
    multiplier: Decimal
    tier: str
    tier_label: str
    percentile: float
    safety_score: Decimal
    safest_top_pct: int
    """"Top X% safest": X = ceil(percentile), at least 1 — the share of the training population
    whose predicted risk is at or below this driver's, rounded up so nobody is "top 0%"."""


def to_decimal(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(RISK_PLACES, rounding=ROUND_HALF_EVEN)


def effective_spread(pricing: Pricing, spread_override: Decimal | None = None) -> Decimal:
    """The override (a replayed decision's pinned spread, or the operator's setting), else the tenant's."""
    return pricing.target_spread if spread_override is None else spread_override


def scaling_factor(model: ScoringModel, spread: Decimal) -> Decimal:
    p5, p95 = to_decimal(model.p5), to_decimal(model.p95)
    if not (math.isfinite(model.p5) and math.isfinite(model.p95)) or p95 <= p5:
        return FALLBACK_SCALING
    return spread / (p95 - p5)


def band_factor(risk: Decimal) -> Decimal:
    for bound, factor in BANDS:
        if risk < bound:
            return factor
    return BAND_TOP


def tier_for(percentile: float, tiers: list[Tier]) -> Tier:
    pct = Decimal(repr(float(percentile)))
    for tier in tiers:
        if pct <= tier.up_to_percentile:
            return tier
    return tiers[-1]


def clamp_to_caps(multiplier: Decimal, pricing: Pricing) -> Decimal:
    low, high = 1 - pricing.max_discount, 1 + pricing.max_surcharge
    if pricing.discount_only:
        high = min(high, Decimal(1))
    return min(max(multiplier, low), high)


def safety_score(risk: Decimal, baseline: Decimal) -> Decimal:
    """``clip(100 − 70 · risk / baseline, 0, 100)`` to one decimal place (half up)."""
    if baseline <= 0:
        return Decimal("0.0")
    raw = Decimal(100) - Decimal(70) * risk / baseline
    return min(max(raw, Decimal(0)), Decimal(100)).quantize(SAFETY_PLACES, rounding=ROUND_HALF_UP)


def _map_one(risk: float, percentile: float, pricing: Pricing, baseline: Decimal, scale: Decimal) -> ScoreMapping:
    r = to_decimal(risk)
    tier = tier_for(percentile, pricing.tiers)
    if pricing.mapping == "tier" and tier.factor is not None:
        raw = tier.factor
    elif pricing.mapping == "bands":
        raw = band_factor(r)
    else:
        raw = 1 + (r - baseline) * scale
    multiplier = clamp_to_caps(raw, pricing).quantize(MULTIPLIER_PLACES, rounding=ROUND_HALF_EVEN)
    return ScoreMapping(
        risk=float(r), multiplier=multiplier, tier=tier.name, tier_label=tier.label, percentile=percentile,
        safety_score=safety_score(r, baseline), safest_top_pct=min(100, max(1, math.ceil(percentile))),
    )


def map_score(risk: float, pricing: Pricing, model: ScoringModel, *,
              spread_override: Decimal | None = None) -> ScoreMapping:
    """Dynamic scaling ``1 + (risk − baseline) · spread / (p95 − p5)`` (or the tier / band factor),
    clamped to the tenant's caps; tier by percentile; safety score; "top X% safest"."""
    with localcontext(MONEY):
        scale = scaling_factor(model, effective_spread(pricing, spread_override))
        percentile = round(float(model.percentile(float(to_decimal(risk)))), 4)
        return _map_one(risk, percentile, pricing, to_decimal(model.baseline), scale)


def map_scores(risks: np.ndarray, pricing: Pricing, model: ScoringModel, *,
               spread_override: Decimal | None = None) -> list[ScoreMapping]:
    """``map_score`` for a batch, row by row identical to ``_map_one`` (``mapping_batch`` computes it
    in numpy). One percentile lookup for all rows, rounded by ``np.round``: decisions were recorded
    and are replayed that way (it can differ from ``map_score``'s ``round`` on an exact binary half)."""
    from saas.scoring.mapping_batch import map_scores_columns  # builds on this module

    return map_scores_columns(risks, pricing, model, spread_override=spread_override).mappings()


def smooth_safety(previous: Decimal | None, current: Decimal, weight: Decimal) -> Decimal:
    """Month-to-month smoothing ``(1 − weight) · previous + weight · current`` (0.6 / 0.4 by default);
    a driver's first month has nothing to smooth with and keeps its score."""
    if previous is None:
        return current
    with localcontext(MONEY):
        return ((1 - weight) * previous + weight * current).quantize(SAFETY_PLACES, rounding=ROUND_HALF_UP)
