"""Columnar mapping and smoothing equal the per-row Decimal path, row by row, to the last digit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Literal, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.money import MONEY
from saas.scoring.fixed_point import fixed_decimals, fixed_strings
from saas.scoring.mapping import (
    BANDS,
    ScoreMapping,
    _map_one,
    effective_spread,
    map_score,
    map_scores,
    scaling_factor,
    smooth_safety,
    to_decimal,
)
from saas.scoring.mapping_batch import MappedScores, map_scores_columns, smooth_safety_columns
from saas.scoring.model import RiskModel, percentile_in
from saas.scoring.protocol import ScoringModel
from saas.settings import ROOT
from saas.tenancy.schemas import Pricing, Tier

pytestmark = pytest.mark.unit

MODEL = RiskModel.load(ROOT / "ml" / "artifacts" / "default")


@dataclass
class LineModel:
    """What mapping reads of a model; percentile ≈ 100 · risk, so tier thresholds are reachable."""

    baseline: float
    p5: float = 0.0
    p95: float = 1.0
    quantiles: np.ndarray = field(default_factory=lambda: np.linspace(0.0, 1.0, 1001))

    def percentile(self, risk: float | np.ndarray) -> float | np.ndarray:
        return percentile_in(self.quantiles, risk)


def per_row(risks: list[float], pricing: Pricing, model: Any, spread: Decimal | None = None) -> list[ScoreMapping]:
    """The Decimal path the columns replace (the arithmetic of recorded decisions), row by row."""
    with localcontext(MONEY):
        scale = scaling_factor(model, effective_spread(pricing, spread))
        baseline = to_decimal(model.baseline)
        quantised = [float(to_decimal(r)) for r in risks]
        percentiles = np.round(np.atleast_1d(model.percentile(np.array(quantised))), 4)
        return [_map_one(r, float(p), pricing, baseline, scale) for r, p in zip(quantised, percentiles, strict=True)]


def columns(risks: list[float], pricing: Pricing, model: Any, spread: Decimal | None = None) -> MappedScores:
    return map_scores_columns(np.array(risks, dtype=np.float64), pricing, cast(ScoringModel, model),
                              spread_override=spread)


def assert_same(got: MappedScores, expected: list[ScoreMapping]) -> None:
    assert len(got) == len(expected)
    assert got.multiplier_strings() == [str(m.multiplier) for m in expected]
    assert got.safety_strings() == [str(m.safety_score) for m in expected]
    assert [d.as_tuple() for d in got.multipliers()] == [m.multiplier.as_tuple() for m in expected]
    assert [d.as_tuple() for d in got.safety_scores()] == [m.safety_score.as_tuple() for m in expected]
    assert [repr(r) for r in got.risk.tolist()] == [repr(m.risk) for m in expected]  # -0.0 included
    assert [repr(p) for p in got.percentile.tolist()] == [repr(m.percentile) for m in expected]
    assert (got.tiers(), got.labels()) == ([m.tier for m in expected], [m.tier_label for m in expected])
    assert got.safest_top_pct.tolist() == [m.safest_top_pct for m in expected]
    assert got.mappings() == expected
    for i in range(0, len(expected), 7):
        assert (got.row(i), str(got.multiplier(i)), str(got.safety_score(i))) == (
            expected[i], str(expected[i].multiplier), str(expected[i].safety_score))


def decimals(low: str, high: str, most_places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, most_places).flatmap(
        lambda p: st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=p))


spreads = st.one_of(
    decimals("0.001", "2", 6),
    st.integers(1, 190).map(lambda n: Decimal(n) / Decimal(97)),  # 28 digits
    st.sampled_from([Decimal("0.50000000000000000001"), Decimal("1.49999999999999999999")]),  # a hair off halves
)


@st.composite
def pricings(draw: st.DrawFn) -> Pricing:
    mode: Literal["dynamic", "tier", "bands"] = draw(st.sampled_from(["dynamic", "tier", "bands"]))
    cuts = sorted(set(draw(st.lists(decimals("0.0001", "99.9999", 5), max_size=4))))
    factors = decimals("0.1", "3", 7)
    tiers = [Tier(f"T{i}", up_to, f"label {i}", draw(factors) if mode == "tier" else draw(st.none() | factors))
             for i, up_to in enumerate([*cuts, Decimal(100)])]
    discount_only = draw(st.booleans())
    return Pricing(target_spread=draw(spreads), max_discount=draw(decimals("0", "0.99", 7)),
                   max_surcharge=Decimal(0) if discount_only else draw(decimals("0", "5", 7)), tiers=tiers,
                   mapping=mode, discount_only=discount_only)


models = st.one_of(
    st.just(MODEL),
    st.builds(LineModel, st.sampled_from([0.7, 0.56, 0.14, 0.5966161, 0.0, -0.1, 1e-6])),
    st.builds(LineModel, st.floats(-2, 3), st.floats(0, 1), st.sampled_from([1.0, 0.3, 0.0, float("nan")])),
)


def interesting(pricing: Pricing, model: Any) -> list[float]:
    """Risks on the traps: 6th-decimal halves, band bounds, caps, tier thresholds, safety halves."""
    points = [0.0, -0.0, 5e-324, 1e6, 1e6 + 1, 1e21, -1e21, model.baseline, model.p5, model.p95]
    points += [float(bound) + d for bound, _ in BANDS for d in (0, -5e-7, 5e-7, -1e-6, 1e-6, 1e-12)]
    points += [float(t.up_to_percentile) / 100 + d for t in pricing.tiers for d in (0, 1e-9, -1e-9, 5e-7)]
    kb = int(to_decimal(model.baseline).scaleb(6)) if np.isfinite(model.baseline) else 0
    if kb > 0 and kb % 1400 == 0:  # 1000 − 700·k/kb is a half of a tenth
        points += [kb // 1400 * j / 1e6 for j in range(1, 4000, 2)][::37]
    with localcontext(MONEY):
        scale = scaling_factor(model, pricing.target_spread)
        for cap in (1 - pricing.max_discount, 1 + pricing.max_surcharge):
            k = kb + (cap - 1) * Decimal(10) ** 6 / scale
            points += [float(k.to_integral_value() + d) / 1e6 for d in (-1, 0, 1)]
        if scale.is_finite():  # 1 + d·10⁻⁶·scale within 10⁻⁹ of a half millionth
            points += [(kb + d) / 1e6 for d in range(-1500, 1500) if abs(d * scale % 1 - Decimal("0.5")) < 1e-9]
    return points


def risk_lists(pricing: Pricing, model: Any) -> st.SearchStrategy[list[float]]:
    halves = st.integers(-2_000_000, 3_000_000).map(lambda j: (2 * j + 1) / 2e6)
    return st.lists(st.one_of(
        st.floats(-1, 3), st.floats(-2e6, 2e6), st.floats(-1e10, 1e10), halves,
        halves.flatmap(lambda h: st.sampled_from([np.nextafter(h, -9.0), np.nextafter(h, 9.0)])).map(float),
        st.sampled_from(interesting(pricing, model)),
    ), max_size=60)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), pricing=pricings(), model=models, spread=st.none() | spreads)
def test_columns_equal_the_decimal_path_row_by_row(data: st.DataObject, pricing: Pricing, model: Any,
                                                   spread: Decimal | None) -> None:
    risks = data.draw(risk_lists(pricing, model))
    expected = per_row(risks, pricing, model, spread)
    assert_same(columns(risks, pricing, model, spread), expected)
    assert map_scores(np.array(risks), pricing, model, spread_override=spread) == expected
    if model is MODEL:  # map_score rounds the percentile with round(), the batch with np.round
        for risk, mapped in zip(risks, expected, strict=True):
            raw = float(MODEL.percentile(float(to_decimal(risk))))
            if round(raw, 4) == float(np.round(raw, 4)):
                assert map_score(risk, pricing, MODEL, spread_override=spread) == mapped


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e30])
def test_risks_the_decimal_path_refuses_are_refused_alike(bad: float) -> None:
    pricing = Pricing(target_spread=Decimal("0.3"), max_discount=Decimal("0.25"), max_surcharge=Decimal("0.4"),
                      tiers=[Tier("A", Decimal(100), "all")])
    for compute in (per_row, columns):
        with pytest.raises(InvalidOperation):
            compute([0.5, bad, 0.6], pricing, MODEL)


def test_half_way_rows_are_recomputed_in_decimal() -> None:
    """Rows where float64 rounds otherwise than Decimal: the result is the Decimal one, flagged."""
    j = np.arange(50_000)
    halves = (2 * j + 1) / 2e6  # repr ends in 5 at the 7th place; ×10⁶ lands off the half for some
    risk_traps = [x for x in halves[halves * 1e6 != j + 0.5].tolist()
                  if np.rint(x * 1e6) != int(to_decimal(x).scaleb(6))]
    safety_traps = [500 * (2 * j + 1) / 1e6 for j in range(1, 200, 2)]  # 1000 − k/1000 = x.5 tenths, x even
    line = LineModel(0.7)
    linear_traps = [(700_000 + d) / 1e6 for d in range(1, 600, 2)]  # d·spread is 10⁻²⁰ above a half millionth
    dynamic = Pricing(target_spread=Decimal("0.50000000000000000001"), max_discount=Decimal("0.9"),
                      max_surcharge=Decimal("5"), tiers=[Tier("A", Decimal(100), "all")])
    naive = np.rint(1e6 + (np.array(linear_traps) * 1e6 - 700_000) * 0.5)
    assert len(risk_traps) > 50
    for risks in (risk_traps, safety_traps, linear_traps):
        expected = per_row(risks, dynamic, line)
        got = columns(risks, dynamic, line)
        assert_same(got, expected)
        assert got.recomputed.all()
    assert (naive != [int(m.multiplier.scaleb(6)) for m in per_row(linear_traps, dynamic, line)]).any()
    assert [int(m.safety_score.scaleb(1)) % 2 for m in per_row(safety_traps, dynamic, line)] == [1] * 100
    assert not columns([0.1234564, 0.5, 0.9], dynamic, line).recomputed.any()


def test_tier_thresholds_compare_the_percentile_as_decimal_does() -> None:
    """Percentiles on a threshold (≤ keeps the tier), a 10⁻⁴ step above it, and thresholds with a
    5th decimal no 4-place percentile can equal."""
    cuts = [Decimal("12.34565"), Decimal("20"), Decimal("33.3333"), Decimal("50.00001"), Decimal("70.5")]
    tiers = [Tier(f"T{i}", up_to, f"tier {i}") for i, up_to in enumerate([*cuts, Decimal(100)])]
    pricing = Pricing(target_spread=Decimal("0.3"), max_discount=Decimal("0.25"), max_surcharge=Decimal("0.4"),
                      tiers=tiers)
    risks = [float(c) / 100 + d for c in cuts for d in (-1e-6, -5e-7, 0.0, 5e-7, 1e-6)]
    expected = per_row(risks, pricing, LineModel(0.5))
    assert {m.percentile for m in expected} >= {20.0, 33.3333, 50.0, 50.0001, 70.5, 12.3456, 12.3457}
    assert_same(columns(risks, pricing, LineModel(0.5)), expected)


@dataclass
class InfinitePercentile(LineModel):
    def percentile(self, risk: float | np.ndarray) -> float | np.ndarray:
        return np.full(np.shape(risk), np.inf)


def test_a_percentile_the_decimal_path_refuses_is_refused_alike() -> None:
    pricing = Pricing(target_spread=Decimal("0.3"), max_discount=Decimal("0.25"), max_surcharge=Decimal("0.4"),
                      tiers=[Tier("A", Decimal(100), "all")])
    for compute in (per_row, columns):
        with pytest.raises(OverflowError):  # math.ceil(inf) in "top X % safest"
            compute([0.5], pricing, InfinitePercentile(0.5))


def smoothed(previous: list[int], has: list[bool], current: list[int], weight: Decimal) -> list[Decimal]:
    return [smooth_safety(Decimal(p).scaleb(-1) if h else None, Decimal(c).scaleb(-1), weight)
            for p, h, c in zip(previous, has, current, strict=True)]


tenths = st.one_of(st.integers(0, 1000), st.integers(0, 2 ** 62))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(tenths, st.booleans(), tenths), max_size=40),
       weight=st.sampled_from([Decimal("0.5"), Decimal("0.4"), Decimal("1")]) | decimals("0", "1", 8))
def test_smoothing_columns_equal_smooth_safety(rows: list[tuple[int, bool, int]], weight: Decimal) -> None:
    previous, has, current = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    got = smooth_safety_columns(np.array(previous, dtype=np.int64), np.array(has, dtype=bool),
                                np.array(current, dtype=np.int64), weight)
    expected = smoothed(previous, has, current, weight)
    assert fixed_strings(got, 1) == [str(d) for d in expected]
    assert [d.as_tuple() for d in fixed_decimals(got, 1)] == [d.as_tuple() for d in expected]


def test_smoothing_half_way_cases_round_half_up_as_decimal_does() -> None:
    previous = np.arange(0, 1000, dtype=np.int64)
    current = np.full(1000, 645, dtype=np.int64)
    for weight in (Decimal("0.5"), Decimal("0.3"), Decimal("0.7"), Decimal("0.1")):
        expected = [int(d.scaleb(1)) for d in smoothed(previous.tolist(), [True] * 1000, current.tolist(), weight)]
        naive = np.rint(previous + float(weight) * (current - previous))
        assert smooth_safety_columns(previous, np.ones(1000, dtype=bool), current, weight).tolist() == expected
        assert (naive != expected).any()
    with pytest.raises(ValueError, match="weight"):
        smooth_safety_columns(previous, np.ones(1000, dtype=bool), current, Decimal("1.5"))


@given(st.lists(st.integers(-(10 ** 12), 10 ** 12) | st.integers(-3, 3), max_size=3000), st.sampled_from([1, 6]))
def test_fixed_point_columns_are_the_quantised_decimals(counts: list[int], places: int) -> None:
    expected = [(Decimal(c) / 10 ** places).quantize(Decimal(1).scaleb(-places), context=MONEY) for c in counts]
    array = np.array(counts, dtype=np.int64)
    assert fixed_strings(array, places) == [str(d) for d in expected]
    assert [d.as_tuple() for d in fixed_decimals(array, places)] == [d.as_tuple() for d in expected]


@given(st.lists(st.integers(-5, 1000), min_size=1, max_size=4000), st.sampled_from([1, 6]))
def test_a_narrow_range_of_counts_formats_from_a_table_alike(counts: list[int], places: int) -> None:
    """Safety scores (0–1000 tenths) in a chunk of thousands take the table path: same strings."""
    counts = counts * (4 * 1006 // len(counts) + 1)  # long enough for the table path
    expected = [str((Decimal(c) / 10 ** places).quantize(Decimal(1).scaleb(-places), context=MONEY)) for c in counts]
    assert fixed_strings(np.array(counts, dtype=np.int64), places) == expected


def test_an_empty_batch() -> None:
    pricing = Pricing(target_spread=Decimal("0.3"), max_discount=Decimal("0.25"), max_surcharge=Decimal("0.4"),
                      tiers=[Tier("A", Decimal(100), "all")])
    assert len(columns([], pricing, MODEL)) == 0
    assert map_scores(np.zeros(0), pricing, MODEL) == []
