"""Serving: loading once, preparing rows, scores, exact TreeSHAP contributions, percentiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shap

from ml.synth import FEATURE_COLUMNS
from saas.errors import ModelError
from saas.scoring.model import RiskModel
from tests.unit.scoring.fixtures import DEFAULT_DIR

pytestmark = pytest.mark.unit


def test_loaded_once_per_directory(model: RiskModel) -> None:
    assert RiskModel.load(DEFAULT_DIR) is model
    assert RiskModel.load(DEFAULT_DIR / ".." / "default") is model
    assert model.feature_names == FEATURE_COLUMNS
    assert len(model.version) == 16
    assert model.p5 < model.p50 < model.p95 and model.std > 0 and model.baseline > 0


def test_missing_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model artifacts"):
        RiskModel.load(tmp_path)


def test_prepare_orders_columns_and_marks_missing_as_nan(model: RiskModel) -> None:
    X = model.prepare([{"miles": 800.0, "speeding_minutes_per_100mi": None, "unknown": 3.0},
                       {"prior_claim_count": 2, "hard_braking_events_per_100mi": 1.5}])
    assert X.shape == (2, 7)
    assert X[0, 5] == 800.0 and np.isnan(X[0, 3]) and np.isnan(X[0, 0])
    assert X[1, 6] == 2.0 and X[1, 0] == 1.5


def test_missing_values_score_as_the_training_median(model: RiskModel, rows: np.ndarray) -> None:
    X = rows[:20].copy()
    X[:, 3] = np.nan
    filled = X.copy()
    filled[:, 3] = model._medians[3]
    assert np.array_equal(model.score(X), model.score(filled))


def test_wrong_width_is_refused(model: RiskModel) -> None:
    with pytest.raises(ModelError, match="expected a"):
        model.score(np.zeros((2, 5)))


def test_contributions_sum_to_the_prediction(model: RiskModel, rows: np.ndarray) -> None:
    contribs = model.contributions(rows)
    assert contribs.shape == (500, 8)
    assert np.abs(contribs.sum(axis=1) - model.score(rows)).max() <= 1e-5
    single = model.contributions(rows[:1])
    assert np.allclose(single, contribs[:1], atol=1e-7)


def test_contributions_match_shap_tree_explainer(model: RiskModel, rows: np.ndarray) -> None:
    contribs = model.contributions(rows)
    explainer = shap.TreeExplainer(model.booster)
    assert np.abs(explainer.shap_values(model.transform(rows)) - contribs[:, :-1]).max() <= 1e-5
    # shap's own TreeSHAP (its C++ code on its parse of the trees), not xgboost's: an independent check
    explainer.model.model_type = "internal"
    independent = explainer.shap_values(model.transform(rows).astype(np.float32), check_additivity=False)
    assert np.abs(independent - contribs[:, :-1]).max() <= 1e-5
    # the bias differs in float32 accumulation of node means only
    assert float(np.ravel(explainer.expected_value)[0]) == pytest.approx(contribs[0, -1], abs=1e-4)


def test_percentile_reads_the_quantile_sketch(model: RiskModel) -> None:
    q = model.meta.quantiles
    assert model.percentile(q[0] - 1.0) == 0.0
    assert model.percentile(q[-1]) == 100.0
    assert model.percentile(model.p50) == pytest.approx(50.0, abs=0.2)
    assert model.percentile(model.p95) == pytest.approx(95.0, abs=0.2)
    grid = np.linspace(0.0, 1.2, 400)
    pct = model.percentile(grid)
    assert isinstance(pct, np.ndarray) and np.all(np.diff(pct) >= 0)
    assert pct.min() >= 0 and pct.max() <= 100
