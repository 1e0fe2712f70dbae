"""Bühlmann–Straub credibility: a hand-computed cohort, the degenerate cohorts, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.scoring.credibility import ESTIMATED, credibility, shrink
from saas.scoring.monthly import MonthlyTotals, monthly_features

pytestmark = pytest.mark.unit


def cohort(*drivers: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Driver-months as (rate, exposure) lists, one list per driver."""
    rows = [(i, x, m) for i, months in enumerate(drivers) for x, m in months]
    return (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float64),
            np.array([r[2] for r in rows], dtype=np.float64))


def test_the_estimators_on_a_cohort_computed_by_hand() -> None:
    # A: rates 1 and 3 over 100 + 100 miles → X̄_A = 2, m_A = 200.
    # B: rates 5 and 7 over 100 + 300 miles → X̄_B = 6.5, m_B = 400.  X̄ = (400 + 2600) / 600 = 5.
    # v̂ = (100·1 + 100·1 + 100·1.5² + 300·0.5²) / (1 + 1) = 250
    # â = (200·3² + 400·1.5² − 250·1) / (600 − (200² + 400²) / 600) = 2450 / (800/3) = 9.1875
    # k = 250 / 9.1875 = 4000/147;  Z_A = 200 / (200 + k) = 147/167;  Z_B = 147/157
    # μ̂ = (Z_A·2 + Z_B·6.5) / (Z_A + Z_B) = (2·157 + 6.5·167) / (157 + 167) = 1399.5 / 324
    result = shrink(*cohort([(1, 100), (3, 100)], [(5, 100), (7, 300)]))
    s = result.structure
    assert (s.epv, s.vhm, s.drivers, s.note) == (pytest.approx(250), pytest.approx(9.1875), 2, ESTIMATED)
    assert s.k == pytest.approx(4000 / 147)
    assert list(result.z) == pytest.approx([147 / 167, 147 / 157])
    assert s.mean == pytest.approx(1399.5 / 324)
    mu = 1399.5 / 324
    assert list(result.value) == pytest.approx([(147 * 2 + 20 * mu) / 167, (147 * 6.5 + 10 * mu) / 157])
    assert list(result.rate) == [2.0, 6.5] and list(result.exposure) == [200.0, 400.0]


def test_drivers_that_differ_only_by_noise_are_shrunk_fully() -> None:
    result = shrink(*cohort([(1, 100), (3, 100)], [(3, 100), (1, 100)]))
    assert result.structure.vhm < 0 and math.isinf(result.structure.k) and "full shrink" in result.structure.note
    assert list(result.z) == [0.0, 0.0] and list(result.value) == [2.0, 2.0]


def test_one_driver_keeps_their_own_rate() -> None:
    result = shrink(*cohort([(1, 100), (3, 300)]))
    assert result.structure.note.startswith("one driver") and list(result.z) == [0.0]
    assert list(result.value) == [2.5] and result.structure.mean == 2.5


def test_without_repeat_months_rates_are_left_as_observed() -> None:
    result = shrink(*cohort([(1, 100)], [(4, 300)], [(9, 0)]))
    assert result.structure.note.startswith("no repeat months") and list(result.z) == [1.0, 1.0, 0.0]
    assert result.value[:2].tolist() == [1.0, 4.0] and result.value[2] == pytest.approx(3.25)


def test_drivers_without_miles_get_the_cohort_mean_and_unknown_rates_are_ignored() -> None:
    month = MonthlyTotals(miles=np.array([100.0, 100.0, 0.0, 100.0, 300.0]),
                          hard_braking_events=np.array([1, 3, 0, 5, 21]), aggressive_turning_events=np.zeros(5),
                          speeding_minutes=np.zeros(5), tailgating_seconds=np.zeros(5), driving_seconds=np.ones(5),
                          night_miles=np.zeros(5), prior_claims=np.zeros(5))
    rates = monthly_features(month)["hard_braking_events_per_100mi"]
    assert np.isnan(rates[2])
    result = shrink(np.array([0, 0, 2, 1, 1]), rates, month.miles)
    assert np.isnan(result.rate[2]) and result.z[2] == 0.0 and result.value[2] == result.structure.mean
    assert list(result.z[:2]) == pytest.approx([147 / 167, 147 / 157])
    nobody = shrink(np.array([0, 1]), np.array([np.nan, np.nan]), np.zeros(2))
    assert np.isnan(nobody.value).all() and nobody.structure.note == "no driver has exposure"


def test_malformed_observations_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        shrink(np.array([0, 1]), np.array([1.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"weight must be finite and non-negative \(row 1\)"):
        shrink(np.array([0, 1]), np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"value must be finite where weight > 0 \(row 0\)"):
        shrink(np.array([0, 1]), np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="integer codes"):
        shrink(np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]))


exposures = st.floats(0, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(exposures, min_size=1, max_size=30), st.one_of(st.floats(0, 1e6), st.just(math.inf)))
def test_credibility_is_a_share_that_grows_with_exposure(m: list[float], k: float) -> None:
    z = credibility(np.sort(np.array(m)), k)
    assert np.all((z >= 0) & (z <= 1))
    assert np.all(np.diff(z) >= -1e-15)
    assert np.all(z[np.sort(np.array(m)) == 0] == 0)


months = st.lists(st.tuples(st.floats(0, 50, allow_nan=False), st.sampled_from([0.0, 10.0, 150.0, 900.0, 2000.0])),
                  min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(months, min_size=1, max_size=8))
def test_shrunk_rates_lie_between_own_rate_and_cohort_mean(drivers: list[list[tuple[float, float]]]) -> None:
    result = shrink(*cohort(*drivers))
    mean, has = result.structure.mean, result.exposure > 0
    assert np.all((result.z >= 0) & (result.z <= 1))
    if not has.any():
        return
    low, high = np.minimum(result.rate[has], mean), np.maximum(result.rate[has], mean)
    slack = 1e-9 * (1 + np.abs(high))
    assert np.all((result.value[has] >= low - slack) & (result.value[has] <= high + slack))
    assert np.all(result.value[~has] == mean)
    if result.structure.note == ESTIMATED:
        observed = float(np.sum(result.exposure[has] * result.rate[has]))
        assert float(np.sum(result.exposure * result.value)) == pytest.approx(observed, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.lists(months, min_size=2, max_size=8), st.sampled_from([0.01, 100.0]))
def test_shrinking_does_not_depend_on_the_rate_unit(drivers: list[list[tuple[float, float]]], scale: float) -> None:
    """Per mile or per 100 miles: ``v̂`` and ``â`` scale alike, so ``k`` and the shrunk rates follow.
    (Values, not ``Z``: in a cohort of identical rates ``k`` is 0/0 noise, but every value is the same.)"""
    driver, x, m = cohort(*drivers)
    base, scaled = shrink(driver, x, m), shrink(driver, x * scale, m)
    assert scaled.value == pytest.approx(base.value * scale, rel=1e-6, abs=1e-9 * scale * 50, nan_ok=True)
