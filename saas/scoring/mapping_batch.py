"""``map_scores`` as numpy columns, equal to the Decimal path (``mapping._map_one``) row by row.

Monthly scoring maps about a million drivers and the Decimal path costs 5–12 µs a row. Here each
quantity is carried in float64 on its decimal grid (risk and multiplier in millionths, safety score
in tenths) and the rows where float64 could round otherwise are recomputed by ``_map_one``.

Why an unflagged row is exact. Every rounding of the Decimal path is to the nearest point of a
grid, and two values that differ by ``e`` round apart only if a half-way point lies within ``e`` of
them. Each float here comes from exact integers (and a correctly rounded constant) through at most
three IEEE roundings, so it is within ~2⁻⁵¹ relative of the exact value; MONEY's 28-digit
intermediates are within 1e-27 of it. A row is flagged when its float is within 2⁻⁴⁶ relative (over
16× that bound) of a half-way point, or not finite; elsewhere float and Decimal round to the same
point. Any value of magnitude ≥ 2⁴⁵ is flagged by that rule alone, so huge values need no guard of
their own, and an unflagged rounded value is an integer below 2⁵³, exact in float64. The rest needs
no epsilon at all:
- risk: ``Decimal(repr(x))`` is within half an ulp of ``x``, so an unflagged ``k = rint(x·10⁶)`` is
  its quantisation and ``k/10⁶`` (one correct rounding) is float(Decimal). NaN, inf and huge risks,
  where Decimal raises, are flagged and raise in ``_map_one`` as before.
- band bounds and tier thresholds are compared on integers: ``r < bound ⇔ k < ⌈bound·10⁶⌉``; a
  percentile ``p = np.round(·, 4)`` is ``m/10⁴`` and ``repr(p)`` is exactly ``m·10⁻⁴`` (no shorter
  decimal lies within an ulp), so ``Decimal(repr(p)) ≤ up_to ⇔ m ≤ ⌊up_to·10⁴⌋``.
- caps: quantize is monotone, so ``quantize(clamp(raw, L, H)) = clamp(quantize(raw), quantize(L),
  quantize(H))``; the quantised caps come from the Decimal path once. A valid ``Pricing`` has
  ``L > 0``, so no multiplier is a signed zero that an integer column could not hold.
- tier and band factors are constants: their clamped, quantised multipliers are computed by Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

import numpy as np

from saas.money import MONEY
from saas.scoring.fixed_point import fixed_decimals, fixed_strings
from saas.scoring.mapping import (
    BAND_TOP,
    BANDS,
    MULTIPLIER_PLACES,
    ScoreMapping,
    _map_one,
    clamp_to_caps,
    effective_spread,
    scaling_factor,
    smooth_safety,
    tier_for,
    to_decimal,
)
from saas.scoring.protocol import ScoringModel
from saas.tenancy.schemas import Pricing

DOUBT = 2.0 ** -46
"""Relative distance to a half-way point under which a float result is recomputed in Decimal."""
LARGEST_BASELINE = Decimal(10) ** 6
"""A model baseline beyond this (no risk model has one) sends the whole batch to the Decimal path."""


@dataclass(frozen=True, eq=False)
class MappedScores:
    """A batch's mappings as columns: row ``i`` of the columns is ``map_scores(...)[i]``, exactly."""

    risk: np.ndarray
    """float64: the risk quantised to 6 places (``ScoreMapping.risk``)."""
    multiplier_micros: np.ndarray
    """int64: the multiplier in millionths, exactly (``multiplier(i)``, ``multipliers()``)."""
    safety_tenths: np.ndarray
    """int64: the month's safety score in tenths, exactly (``safety_score(i)``, ``safety_scores()``)."""
    tier_index: np.ndarray
    """intp: index into ``tier_names`` / ``tier_labels`` (the pricing's tiers, in order)."""
    tier_names: tuple[str, ...]
    tier_labels: tuple[str, ...]
    percentile: np.ndarray
    """float64: percentile rounded to 4 places."""
    safest_top_pct: np.ndarray
    """int64: "top X % safest"."""
    recomputed: np.ndarray
    """bool: rows the Decimal path computed because float64 could have rounded otherwise."""

    def __len__(self) -> int:
        return len(self.risk)

    def multiplier(self, i: int) -> Decimal:
        return Decimal(int(self.multiplier_micros[i])).scaleb(-6, MONEY)

    def safety_score(self, i: int) -> Decimal:
        return Decimal(int(self.safety_tenths[i])).scaleb(-1, MONEY)

    def multipliers(self) -> list[Decimal]:
        return fixed_decimals(self.multiplier_micros, 6)

    def safety_scores(self) -> list[Decimal]:
        return fixed_decimals(self.safety_tenths, 1)

    def multiplier_strings(self) -> list[str]:
        return fixed_strings(self.multiplier_micros, 6)

    def safety_strings(self) -> list[str]:
        return fixed_strings(self.safety_tenths, 1)

    def tiers(self) -> list[str]:
        return np.array(self.tier_names, dtype=object)[self.tier_index].tolist()

    def labels(self) -> list[str]:
        return np.array(self.tier_labels, dtype=object)[self.tier_index].tolist()

    def row(self, i: int) -> ScoreMapping:
        j = int(self.tier_index[i])
        return ScoreMapping(float(self.risk[i]), self.multiplier(i), self.tier_names[j], self.tier_labels[j],
                            float(self.percentile[i]), self.safety_score(i), int(self.safest_top_pct[i]))

    def mappings(self) -> list[ScoreMapping]:
        return list(map(ScoreMapping, self.risk.tolist(), self.multipliers(), self.tiers(), self.labels(),
                        self.percentile.tolist(), self.safety_scores(), self.safest_top_pct.tolist()))


def _nearest(value: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rint(value)``, and where it is in doubt: within ``DOUBT·scale`` of a half, or not finite."""
    with np.errstate(invalid="ignore", over="ignore"):
        rounded = np.rint(value)
        doubt = ~(0.5 - np.abs(value - rounded) > DOUBT * scale)
    return rounded, doubt


def _units(value: Decimal, exponent: int, rounding: str | None = None) -> int:
    """``value·10^exponent`` as an integer (exact for quantised values; else rounded as told)."""
    return int(value.scaleb(exponent, MONEY).to_integral_value(rounding=rounding, context=MONEY))


def _integers(values: np.ndarray, doubt: np.ndarray) -> np.ndarray:
    return np.where(doubt, 0.0, values).astype(np.int64)


def _multiplier_micros(k: np.ndarray, tier: np.ndarray, pricing: Pricing, baseline: Decimal,
                       scale: Decimal) -> tuple[np.ndarray, np.ndarray]:
    """Clamped, quantised multipliers in millionths, and the rows in doubt."""
    def final(raw: Decimal) -> int:
        return _units(clamp_to_caps(raw, pricing).quantize(MULTIPLIER_PLACES, rounding=ROUND_HALF_EVEN), 6)

    if pricing.mapping == "bands":
        bounds = np.array([_units(bound, 6, ROUND_CEILING) for bound, _ in BANDS], dtype=np.float64)
        table = np.array([final(f) for _, f in BANDS] + [final(BAND_TOP)], dtype=np.int64)
        return table[np.searchsorted(bounds, k, side="right")], np.zeros(len(k), dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        moved = (k - _units(baseline, 6)) * float(scale)
        y = 1e6 + moved
    rounded, doubt = _nearest(y, np.abs(moved) + np.abs(y))
    low, high = final(Decimal("-Infinity")), final(Decimal("Infinity"))
    linear = _integers(np.minimum(np.maximum(rounded, low), high), doubt)
    fixed = np.array([pricing.mapping == "tier" and t.factor is not None for t in pricing.tiers])
    if not fixed.any():
        return linear, doubt
    table = np.array([final(t.factor) if t.factor is not None else 0 for t in pricing.tiers], dtype=np.int64)
    use_table = fixed[tier]
    return np.where(use_table, table[tier], linear), doubt & ~use_table


def _quantised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risks in millionths (float64 integers), as floats, and the rows in doubt (those floats exact)."""
    k, doubt = _nearest(x * 1e6, np.abs(x * 1e6))
    risk = k / 1e6
    for i in np.flatnonzero(doubt).tolist():
        risk[i] = float(to_decimal(x[i]))  # raises where the Decimal path raises (inf, beyond 28 digits)
    return np.where(doubt, 0.0, k), risk, doubt


def map_scores_columns(risks: np.ndarray, pricing: Pricing, model: ScoringModel, *,
                       spread_override: Decimal | None = None) -> MappedScores:
    """``map_scores`` as columns: numpy for the whole batch, ``_map_one`` for the rows in doubt."""
    with localcontext(MONEY):
        scale = scaling_factor(model, effective_spread(pricing, spread_override))
        baseline = to_decimal(model.baseline)
        x = np.asarray(risks, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"risks must be one-dimensional, got shape {x.shape}")
        k, risk, doubt = _quantised(x)
        percentile = np.round(np.atleast_1d(model.percentile(risk)), 4)
        m = np.rint(percentile * 1e4)
        doubt |= ~np.isfinite(percentile) | ~(m / 1e4 == percentile)  # else repr(percentile) is m·10⁻⁴
        tiers = pricing.tiers
        thresholds = np.array([_units(t.up_to_percentile, 4, ROUND_FLOOR) for t in tiers], dtype=np.float64)
        tier = np.minimum(np.searchsorted(thresholds, np.where(doubt, 0.0, m), side="left"), len(tiers) - 1)
        safety = np.zeros(len(x), dtype=np.int64)
        if baseline.is_finite() and abs(baseline) <= LARGEST_BASELINE and scale.is_finite():
            multiplier, unsure = _multiplier_micros(k, tier, pricing, baseline, scale)
            doubt |= unsure
            if baseline > 0:  # else the safety score is 0.0
                quotient = 700.0 * k / _units(baseline, 6)
                rounded, unsure = _nearest(1000.0 - quotient, np.abs(quotient) + 1000.0)
                doubt |= unsure
                safety = np.clip(_integers(rounded, doubt), 0, 1000)
        else:
            multiplier, doubt[:] = np.zeros(len(x), dtype=np.int64), True
        top = _integers(np.clip(np.ceil(np.where(doubt, 0.0, percentile)), 1, 100), doubt)
        for i in np.flatnonzero(doubt).tolist():
            p = float(percentile[i])
            exact = _map_one(float(risk[i]), p, pricing, baseline, scale)
            chosen = tier_for(p, tiers)
            risk[i], top[i] = exact.risk, exact.safest_top_pct
            tier[i] = next(j for j, t in enumerate(tiers) if t is chosen)
            multiplier[i], safety[i] = _units(exact.multiplier, 6), _units(exact.safety_score, 1)
    return MappedScores(risk, multiplier, safety, tier, tuple(t.name for t in tiers),
                        tuple(t.label for t in tiers), percentile, top, doubt)


def smooth_safety_columns(previous_tenths: np.ndarray, has_previous: np.ndarray, current_tenths: np.ndarray,
                          weight: Decimal) -> np.ndarray:
    """``smooth_safety`` for columns of tenths (a False ``has_previous`` is a first month): int64 tenths.

    Scores are non-negative and ``0 ≤ weight ≤ 1`` (``SafetyScore`` checks it), so every term is
    non-negative, Decimal's error is relative to the result, and no result is a signed zero; the
    float ``P + w·(C − P)`` is within ~2⁻⁵¹ of it, and rows near a half go to ``smooth_safety``.
    """
    p = np.asarray(previous_tenths, dtype=np.int64)
    c = np.asarray(current_tenths, dtype=np.int64)
    has = np.asarray(has_previous, dtype=bool)
    if not Decimal(0) <= weight <= Decimal(1):
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    if (p[has] < 0).any() or (c[has] < 0).any():
        raise ValueError("safety scores in tenths must be non-negative")
    moved = float(weight) * (c - p).astype(np.float64)
    value = p + moved
    rounded, doubt = _nearest(value, np.abs(moved) + np.abs(value))
    doubt &= has
    out = np.where(has, _integers(rounded, doubt | ~has), c)
    for i in np.flatnonzero(doubt).tolist():
        smoothed = smooth_safety(Decimal(int(p[i])).scaleb(-1, MONEY), Decimal(int(c[i])).scaleb(-1, MONEY), weight)
        out[i] = _units(smoothed, 1)
    return out
