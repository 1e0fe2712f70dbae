"""The report's figures against an independent pandas/statsmodels computation (to 1e-6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from saas.fairness.census import GROUPS
from saas.fairness.report import Book, Outcome, flags_of, outcome_figures

pytestmark = pytest.mark.unit
WHITE, HISPANIC = GROUPS.index("white"), GROUPS.index("hispanic")


def synthetic(n: int = 4000, gap: float = 0.08, seed: int = 3) -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    P = rng.dirichlet([3, 1, 0.5, 0.2, 0.2, 2], size=n)
    claims = rng.poisson(0.3, n).astype(float)
    y = np.exp(0.02 * claims + gap * P[:, HISPANIC] + rng.normal(0, 0.05, n))
    frame = pd.DataFrame(P, columns=[f"p_{g}" for g in GROUPS]).assign(y=y, claims=claims,
                                                                       surcharged=(y > 1.03).astype(float))
    return P, frame


def described(frame: pd.DataFrame, column: str, group: str) -> DescrStatsW:
    """statsmodels' weighted statistics with the weights rescaled to Kish's effective size."""
    p = frame[f"p_{group}"].to_numpy()
    n_eff = p.sum() ** 2 / (p * p).sum()
    return DescrStatsW(frame[column].to_numpy(), weights=p * n_eff / p.sum(), ddof=1)


def test_means_tests_and_ratios_agree_with_statsmodels() -> None:
    P, frame = synthetic()
    book = Book(P, [Outcome("multiplier", frame.y.to_numpy()), Outcome("surcharged", frame.surcharged.to_numpy(),
                                                                         binary=True)], len(P), {"bisg": len(P)},
                rating_factors={"claims": frame.claims.to_numpy()})
    multiplier, surcharged = outcome_figures(book, WHITE, full=True)
    hispanic = next(g for g in multiplier.groups if g.group == "hispanic")
    h, w = described(frame, "y", "hispanic"), described(frame, "y", "white")
    t, p_t, df = CompareMeans(h, w).ttest_ind(usevar="unequal")
    assert hispanic.mean == pytest.approx(h.mean, abs=1e-9) and hispanic.n_effective == pytest.approx(h.sum_weights)
    assert hispanic.ratio == pytest.approx(h.mean / w.mean, abs=1e-6)
    assert hispanic.smd == pytest.approx((h.mean - w.mean) / np.sqrt((h.var + w.var) / 2), abs=1e-6)
    assert (hispanic.t, hispanic.p_t, hispanic.df) == pytest.approx((t, p_t, df), abs=1e-6)
    ci = hispanic.ratio_ci
    assert ci is not None and ci[0] < hispanic.ratio < ci[1]

    sh = next(g for g in surcharged.groups if g.group == "hispanic")
    a_h, a_w = described(frame, "surcharged", "hispanic").mean, described(frame, "surcharged", "white").mean
    n_h, n_w = described(frame, "y", "hispanic").sum_weights, described(frame, "y", "white").sum_weights
    z, p_z = proportions_ztest([a_h * n_h, a_w * n_w], [n_h, n_w])
    assert (sh.z, sh.p_z) == pytest.approx((z, p_z), abs=1e-6)
    assert sh.air == pytest.approx((1 - a_h) / (1 - a_w), abs=1e-9)
    assert sh.odds_ratio == pytest.approx((a_h / (1 - a_h)) / (a_w / (1 - a_w)), abs=1e-9)


def test_regressions_agree_with_a_formula_fit() -> None:
    P, frame = synthetic()
    book = Book(P, [Outcome("multiplier", frame.y.to_numpy())], len(P), {}, rating_factors={
        "claims": frame.claims.to_numpy()})
    (multiplier,) = outcome_figures(book, WHITE, full=True)
    others = " + ".join(f"p_{g}" for g in GROUPS if g != "white")
    for controls, formula in (("none", f"np.log(y) ~ {others}"), ("rating_factors", f"np.log(y) ~ {others} + claims")):
        fit = smf.wls(formula, frame, weights=np.ones(len(frame))).fit(cov_type="HC3")
        got = next(r for r in multiplier.regression if r.group == "hispanic" and r.controls == controls)
        assert (got.beta, got.se, got.p) == pytest.approx((fit.params["p_hispanic"], fit.bse["p_hispanic"],
                                                           fit.pvalues["p_hispanic"]), abs=1e-6)
        assert got.gap == pytest.approx(np.expm1(fit.params["p_hispanic"]), abs=1e-9)
        assert got.gap_low < got.gap < got.gap_high
    assert 0.04 < next(r.gap for r in multiplier.regression if r.group == "hispanic") < 0.13


def test_a_planted_gap_is_flagged_and_none_without_it() -> None:
    rng = np.random.default_rng(5)
    P = np.eye(6)[rng.choice([WHITE, HISPANIC], size=3000)] * 0.9 + 0.1 / 6  # sharp groups, as BISG gives
    for gap, expected in ((0.10, True), (0.0, False)):
        y = np.exp(gap * P[:, HISPANIC] + rng.normal(0, 0.05, len(P)))
        flags = flags_of(outcome_figures(Book(P, [Outcome("multiplier", y)], len(P), {}), WHITE, full=False))
        assert any(f.group == "hispanic" and f.kind == "gap" for f in flags) is expected, flags


def test_a_group_under_30_effective_drivers_is_too_small() -> None:
    P = np.zeros((200, 6))
    P[:, WHITE], P[:20, WHITE], P[:20, HISPANIC] = 1.0, 0.0, 1.0
    book = Book(P, [Outcome("multiplier", np.linspace(0.8, 1.2, 200))], 200, {})
    (figures,) = outcome_figures(book, WHITE, full=True)
    hispanic = next(g for g in figures.groups if g.group == "hispanic")
    assert hispanic.too_small and hispanic.ratio is None and hispanic.n == 20
    assert figures.regression == [] and flags_of([figures]) == []
