"""The Bayes predictor of the v3 generator: its parts against Monte Carlo draws of the generator, its
calibration on fresh data, and that no trained model beats it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.bayes import bayes_risk, expected_risk, posterior
from ml.synth import ARCHETYPES, FEATURE_COLUMNS, NOISE_SIGMA, risk_from, synthesize
from ml.train import train_risk_model
from saas.scoring.model import RiskModel
from saas.settings import ROOT

pytestmark = pytest.mark.unit

FRESH = synthesize(40_000, seed=2027)
INPUTS = {c: FRESH[c].to_numpy() for c in FEATURE_COLUMNS}
BAYES = bayes_risk(INPUTS)
Y = FRESH["target_risk"].to_numpy()


def rmse(pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((Y - pred) ** 2)))


@pytest.mark.parametrize("core", [-1.0, 0.4, 1.2, 3.0])
def test_expected_risk_matches_monte_carlo_draws_of_the_generator(core: float) -> None:
    rng = np.random.default_rng(int(core * 10) + 50)
    n = 400_000
    noise, period = rng.normal(0.0, NOISE_SIGMA, n), rng.integers(0, 12, n)
    seasons = 1 + 0.1 * np.sin(2 * np.pi * np.arange(12) / 12)
    for arch in ARCHETYPES:
        draws = risk_from(np.full(n, arch.base_risk), np.full(n, core), noise, period)
        exact = np.mean([expected_risk(arch.base_risk, np.array([core]), float(s))[0] for s in seasons])
        assert exact == pytest.approx(draws.mean(), abs=4 * draws.std() / np.sqrt(n) + 1e-6), arch.name


def test_posterior_is_calibrated_against_the_true_archetypes() -> None:
    post = posterior(INPUTS)
    assert np.allclose(post.sum(axis=1), 1.0)
    truth = np.stack([(FRESH["driver_type"] == a.name).to_numpy() for a in ARCHETYPES], axis=1)
    for k in range(len(ARCHETYPES)):
        bins = np.minimum((post[:, k] * 5).astype(int), 4)
        for b in range(5):
            rows = bins == b
            if rows.sum() >= 500:
                se = np.sqrt(post[rows, k].mean() * (1 - post[rows, k].mean()) / rows.sum())
                assert truth[rows, k].mean() == pytest.approx(post[rows, k].mean(), abs=4 * se + 0.005)


def test_bayes_prediction_is_calibrated_on_fresh_data() -> None:
    edges = np.quantile(BAYES, np.linspace(0, 1, 11)[1:-1])
    decile = np.searchsorted(edges, BAYES)
    for d in range(10):
        rows = decile == d
        assert Y[rows].mean() == pytest.approx(BAYES[rows].mean(), abs=0.002)


def test_no_model_of_the_inputs_beats_it_and_the_oracle_knows_more(tmp_path: Path) -> None:
    trained = train_risk_model(synthesize(4000, seed=21), tmp_path, progress=lambda _: None)
    X = FRESH[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    small = rmse(RiskModel.load(tmp_path).score(X))
    shipped = rmse(RiskModel.load(ROOT / "ml" / "artifacts" / "default").score(X))
    oracle = rmse(FRESH["noise_free_risk"].to_numpy())
    assert oracle < rmse(BAYES) < shipped < small
    assert float(trained.metrics["rmse_vs_bayes_floor"]) > 1.0  # type: ignore[arg-type]
