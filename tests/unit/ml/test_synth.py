"""The v3 generator against each property the model documentation states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.synth import ARCHETYPES, FEATURE_COLUMNS, linear_risk, risk_from, seasonal_factor, synthesize

pytestmark = pytest.mark.unit

BIG = synthesize(60_000, seed=11)


def test_feature_columns_are_the_documented_seven_in_order_and_exclude_the_archetype() -> None:
    assert FEATURE_COLUMNS == (
        "hard_braking_events_per_100mi", "aggressive_turning_events_per_100mi", "tailgating_time_ratio",
        "speeding_minutes_per_100mi", "late_night_miles_per_100mi", "miles", "prior_claim_count",
    )
    assert "driver_type" not in FEATURE_COLUMNS
    assert set(BIG["driver_type"]) == {"safe", "moderate", "risky"}


def test_archetype_shares_and_base_risks_are_as_documented() -> None:
    assert [(a.name, a.share, a.base_risk) for a in ARCHETYPES] == [
        ("safe", 0.70, 0.10), ("moderate", 0.20, 0.30), ("risky", 0.10, 0.70)]
    shares = BIG["driver_type"].value_counts(normalize=True)
    assert shares["safe"] == pytest.approx(0.70, abs=0.01)
    assert shares["moderate"] == pytest.approx(0.20, abs=0.01)
    assert shares["risky"] == pytest.approx(0.10, abs=0.01)


def test_risk_is_clipped_to_the_open_interval_bounds() -> None:
    for col in ("target_risk", "noise_free_risk"):
        assert BIG[col].min() >= 0.01
        assert BIG[col].max() <= 0.99
    assert (BIG["target_risk"] == 0.99).any()  # the clip is active for risky drivers
    assert risk_from(np.array([0.0]), np.array([-50.0]), np.array([0.0]), np.array([0])).item() == 0.01


def test_risk_core_matches_the_documented_formula_on_one_row() -> None:
    row = {"tailgating_time_ratio": [0.2], "hard_braking_events_per_100mi": [5.0],
           "aggressive_turning_events_per_100mi": [2.0], "speeding_minutes_per_100mi": [10.0],
           "late_night_miles_per_100mi": [4.0], "prior_claim_count": [1], "miles": [800.0]}
    expected = 0.4 + 0.08 * 5 + 0.06 * 2 + 0.10 * 10 + 0.02 * (100 / 100) + 0.03 * 4 + 0.02 * 1 + 1 * 1 * 0.6
    assert linear_risk(pd.DataFrame(row))[0] == pytest.approx(expected, rel=1e-12)
    sigmoid = 1 / (1 + np.exp(-(expected + 0.05 - 0.9)))
    got = risk_from(np.array([0.1]), np.array([expected]), np.array([0.05]), np.array([3]))[0]
    assert got == pytest.approx(min(0.1 + sigmoid * 1.1, 0.99), rel=1e-12)


def test_seasonality_is_a_ten_percent_sine_over_twelve_periods() -> None:
    assert seasonal_factor(np.array([0, 3, 6, 9])) == pytest.approx([1.0, 1.1, 1.0, 0.9])


@pytest.mark.parametrize("feature", [f for f in FEATURE_COLUMNS if f != "miles"])
def test_each_behaviour_raises_the_risk_core(feature: str) -> None:
    base = BIG[list(FEATURE_COLUMNS)].iloc[:500].copy()
    worse = base.copy()
    worse[feature] = worse[feature] + 1.0
    assert np.all(linear_risk(worse) > linear_risk(base))


def test_speeding_effect_is_convex_and_miles_do_not_enter_the_core() -> None:
    frame = pd.DataFrame({c: np.zeros(3) for c in FEATURE_COLUMNS})
    frame["speeding_minutes_per_100mi"] = [0.0, 20.0, 40.0]
    core = linear_risk(frame)
    assert core[2] - core[1] > core[1] - core[0]
    frame["miles"] = 5000.0
    assert np.array_equal(linear_risk(frame), core)


def test_riskier_archetypes_have_more_risk_and_more_prior_claims() -> None:
    by_type = BIG.groupby("driver_type")
    risk, claims = by_type["target_risk"].mean(), by_type["prior_claim_count"].mean()
    assert risk["safe"] < risk["moderate"] < risk["risky"]
    assert claims["safe"] == pytest.approx(0.10, abs=0.01)
    assert claims["moderate"] == pytest.approx(0.30, abs=0.02)
    assert claims["risky"] == pytest.approx(0.70, abs=0.04)


def test_bounds_on_ratios_and_noise_level() -> None:
    assert BIG["tailgating_time_ratio"].between(0, 1).all()
    assert BIG["late_night_miles_per_100mi"].between(0, 100).all()
    unclipped = (BIG["target_risk"] < 0.99) & (BIG["noise_free_risk"] < 0.99) & (BIG["target_risk"] > 0.01)
    residual = (BIG["target_risk"] - BIG["noise_free_risk"])[unclipped]
    assert 0.003 < residual.std() < 0.07  # σ 0.07 noise, shrunk by the sigmoid's slope (at most 1/4 × 1.1)


def test_generator_is_deterministic_per_seed() -> None:
    pd.testing.assert_frame_equal(synthesize(2000, seed=3), synthesize(2000, seed=3))
    assert not synthesize(2000, seed=3)["target_risk"].equals(synthesize(2000, seed=4)["target_risk"])
