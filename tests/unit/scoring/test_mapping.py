"""Tenant mappings: exact values, caps, modes, and properties over the whole risk range."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml import artifacts
from saas.scoring import mapping
from saas.scoring.mapping import map_score, map_scores, smooth_safety
from saas.scoring.model import RiskModel
from saas.settings import ROOT, SPREAD_ENV, load_settings
from saas.tenancy.schemas import Pricing, Tier
from tests.unit.scoring.fixtures import model_dir_copy

pytestmark = pytest.mark.unit

MODEL = RiskModel.load(ROOT / "ml" / "artifacts" / "default")
TIERS = [Tier("A", Decimal(20), "Preferred", Decimal("0.85")), Tier("B", Decimal(60), "Standard", Decimal("1.00")),
         Tier("C", Decimal(100), "Watch", Decimal("1.25"))]


def pricing(**kw: object) -> Pricing:
    base: dict[str, object] = {"target_spread": Decimal("0.30"), "max_discount": Decimal("0.25"),
                               "max_surcharge": Decimal("0.40"), "tiers": TIERS}
    return Pricing(**{**base, **kw})  # type: ignore[arg-type]


DYNAMIC = pricing()
risks = st.floats(min_value=0.0, max_value=1.2, allow_nan=False)
spreads = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2"), places=3)
caps = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.9"), places=2)


def expected_dynamic(risk: str, spread: str = "0.30") -> Decimal:
    r, base = Decimal(risk), mapping.to_decimal(MODEL.baseline)
    scale = Decimal(spread) / (mapping.to_decimal(MODEL.p95) - mapping.to_decimal(MODEL.p5))
    return (1 + (r - base) * scale).quantize(Decimal("0.000001"))


def test_dynamic_scaling_follows_the_documented_formula() -> None:
    at_baseline = map_score(MODEL.baseline, DYNAMIC, MODEL)
    assert at_baseline.multiplier == Decimal("1.000000")
    assert at_baseline.safety_score == Decimal("30.0")
    assert map_score(0.7, DYNAMIC, MODEL).multiplier == expected_dynamic("0.7")
    assert map_score(0.45, DYNAMIC, MODEL).multiplier == expected_dynamic("0.45")


def test_caps_and_discount_only() -> None:
    assert map_score(0.0, DYNAMIC, MODEL).multiplier == max(expected_dynamic("0.0"), Decimal("0.75"))
    steep = pricing(target_spread=Decimal("2"))
    assert map_score(0.0, steep, MODEL).multiplier == Decimal("0.75")
    assert map_score(1.2, steep, MODEL).multiplier == Decimal("1.40")
    discount_only = pricing(target_spread=Decimal("2"), max_surcharge=Decimal("0"), discount_only=True)
    assert map_score(0.99, discount_only, MODEL).multiplier == Decimal("1")


def test_environment_override_is_read_once_into_settings_and_overrides_the_tenant_spread() -> None:
    override = load_settings({SPREAD_ENV: "0.45"}).target_spread_override
    assert override == Decimal("0.45")
    assert load_settings({}).target_spread_override is None
    assert map_score(0.7, DYNAMIC, MODEL).multiplier == expected_dynamic("0.7")
    assert map_score(0.7, DYNAMIC, MODEL, spread_override=override).multiplier == expected_dynamic("0.7", "0.45")
    assert map_score(0.7, DYNAMIC, MODEL, spread_override=Decimal("0.2")).multiplier == expected_dynamic("0.7", "0.2")


@pytest.mark.parametrize("text", ["abc", "-0.1", "NaN", "Infinity"])
def test_a_bad_spread_override_fails_at_start_up_naming_the_variable(text: str) -> None:
    with pytest.raises(ValueError, match=SPREAD_ENV):
        load_settings({SPREAD_ENV: text})


def test_fallback_scaling_when_stats_are_unusable(tmp_path: Path) -> None:
    directory = model_dir_copy(tmp_path)
    meta = artifacts.read_meta(directory)
    flat = msgspec.structs.replace(meta.dist_stats, pred_p5=0.5, pred_p95=0.5)
    (directory / artifacts.META_FILE).write_bytes(msgspec.json.encode(msgspec.structs.replace(meta, dist_stats=flat)))
    model = RiskModel.load(directory)
    got = map_score(0.7, DYNAMIC, model).multiplier
    assert got == (1 + (Decimal("0.7") - mapping.to_decimal(model.baseline)) * Decimal("0.35")).quantize(
        Decimal("0.000001"))


@pytest.mark.parametrize(("risk", "factor"), [(0.1, "0.80"), (0.3, "0.90"), (0.49, "0.90"), (0.5, "1.00"),
                                              (0.7, "1.15"), (0.849, "1.15"), (0.85, "1.30"), (0.99, "1.30")])
def test_bands_mode_uses_the_rating_design_table(risk: float, factor: str) -> None:
    wide = pricing(mapping="bands", max_discount=Decimal("0.5"), max_surcharge=Decimal("1"))
    assert map_score(risk, wide, MODEL).multiplier == Decimal(factor)
    narrow = pricing(mapping="bands", max_discount=Decimal("0.15"), max_surcharge=Decimal("0.2"))
    assert map_score(risk, narrow, MODEL).multiplier == min(max(Decimal(factor), Decimal("0.85")), Decimal("1.2"))


def test_tier_mode_and_tiers_follow_the_percentile() -> None:
    tiered = pricing(mapping="tier")
    low = map_score(MODEL.meta.quantiles[100], tiered, MODEL)  # the 10th percentile
    assert (low.tier, low.tier_label, low.multiplier) == ("A", "Preferred", Decimal("0.85"))
    assert 9.5 <= low.percentile <= 10.5 and low.safest_top_pct in (10, 11)
    high = map_score(MODEL.meta.quantiles[900], tiered, MODEL)
    assert (high.tier, high.multiplier) == ("C", Decimal("1.25"))


def test_safety_score_and_smoothing() -> None:
    assert map_score(0.0, DYNAMIC, MODEL).safety_score == Decimal("100.0")
    assert map_score(MODEL.baseline * 2, DYNAMIC, MODEL).safety_score == Decimal("0.0")
    assert smooth_safety(Decimal("80.0"), Decimal("50.0"), Decimal("0.4")) == Decimal("68.0")
    assert smooth_safety(None, Decimal("50.0"), Decimal("0.4")) == Decimal("50.0")
    assert smooth_safety(Decimal("71.3"), Decimal("64.9"), Decimal("0.4")) == Decimal("68.7")


def test_batch_equals_one_by_one() -> None:
    values = np.array([0.0, 0.31, 0.4567891, MODEL.baseline, 0.8, 0.99, 1.1])
    assert map_scores(values, DYNAMIC, MODEL) == [map_score(float(v), DYNAMIC, MODEL) for v in values]


@settings(max_examples=150, deadline=None)
@given(a=risks, b=risks, spread=spreads, discount=caps, surcharge=caps, mode=st.sampled_from(["dynamic", "bands"]))
def test_monotone_in_risk_and_within_caps(a: float, b: float, spread: Decimal, discount: Decimal,
                                          surcharge: Decimal, mode: str) -> None:
    p = pricing(target_spread=spread, max_discount=discount, max_surcharge=surcharge, mapping=mode)
    lo, hi = map_score(min(a, b), p, MODEL), map_score(max(a, b), p, MODEL)
    assert lo.multiplier <= hi.multiplier
    assert lo.safety_score >= hi.safety_score
    assert lo.percentile <= hi.percentile and lo.safest_top_pct <= hi.safest_top_pct
    assert [t.name for t in TIERS].index(lo.tier) <= [t.name for t in TIERS].index(hi.tier)
    for m in (lo, hi):
        assert 1 - discount <= m.multiplier <= 1 + surcharge
        assert Decimal(0) <= m.safety_score <= Decimal(100)
        assert 1 <= m.safest_top_pct <= 100


@settings(max_examples=100, deadline=None)
@given(risk=risks, spread=spreads)
def test_stable_under_the_override(risk: float, spread: Decimal) -> None:
    """The override moves only the multiplier, stays within caps, and equals the settings route."""
    plain, overridden = map_score(risk, DYNAMIC, MODEL), map_score(risk, DYNAMIC, MODEL, spread_override=spread)
    assert (plain.tier, plain.percentile, plain.safety_score) == (overridden.tier, overridden.percentile,
                                                                 overridden.safety_score)
    assert Decimal("0.75") <= overridden.multiplier <= Decimal("1.40")
    from_settings = load_settings({SPREAD_ENV: str(spread)}).target_spread_override
    assert map_score(risk, DYNAMIC, MODEL, spread_override=from_settings) == overridden
    assert map_score(risk, DYNAMIC, MODEL, spread_override=spread) == overridden  # reproducible for replay
