"""Our JSON tree evaluator gives xgboost's margins bit for bit: shipped model, random models, objectives."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from saas.errors import ModelError
from saas.scoring.model import RiskModel
from saas.scoring.trees import Trees
from tests.unit.scoring import xgbmodels
from tests.unit.scoring.fixtures import DEFAULT_DIR

pytestmark = pytest.mark.unit


def test_xgboost_is_the_version_these_golden_tests_reproduce() -> None:
    assert xgb.__version__ == xgbmodels.XGBOOST_VERSION, xgbmodels.PIN_MESSAGE


def test_shipped_model_margins_are_xgboosts_bit_for_bit(model: RiskModel, rows: np.ndarray) -> None:
    trees = Trees.from_json((DEFAULT_DIR / "xgb_model.json").read_bytes())
    Z = model.transform(rows)
    Z[::13, 2] = np.nan  # imputation leaves no NaN; the trees' default directions must work too
    assert trees.n_trees == model.booster.num_boosted_rounds() and trees.objective == "reg:squarederror"
    expected = model.booster.inplace_predict(Z)
    assert np.array_equal(trees.predict_margin(Z), expected)
    assert np.array_equal(trees.predict(Z), expected)
    assert np.array_equal(trees.predict(model.transform(rows)), model.score(rows))
    assert np.array_equal(Trees.from_booster(model.booster).predict_margin(Z), expected)


def test_values_at_and_next_to_thresholds_go_where_xgboost_sends_them(model: RiskModel) -> None:
    """Left iff float32(x) < float32(threshold): a float64 just below a threshold may round onto it."""
    trees = Trees.from_booster(model.booster)
    thresholds = trees.threshold[trees.left >= 0].astype(np.float64)
    features = trees.feature[trees.left >= 0]
    X = np.zeros((3 * len(thresholds), trees.n_features))
    rows = np.arange(len(thresholds))
    for i, shift in enumerate((0.0, -1e-12, np.float64(np.finfo(np.float32).eps))):
        X[3 * rows + i, features] = thresholds * (1 + shift) if shift else thresholds
    assert np.array_equal(trees.predict_margin(X), model.booster.inplace_predict(X))


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_models_with_nans_and_repeated_features(depth: int, seed: int) -> None:
    booster, X = xgbmodels.train("reg:squarederror", depth, seed)
    trees = Trees.from_booster(booster)
    assert np.array_equal(trees.predict_margin(X), xgbmodels.margin(booster, X))
    assert np.array_equal(trees.predict(X), booster.inplace_predict(X))


@pytest.mark.parametrize("objective", ["count:poisson", "reg:gamma", "reg:tweedie", "binary:logistic",
                                       "reg:logistic", "reg:pseudohubererror", "reg:absoluteerror"])
def test_objectives_base_score_in_margin_space(objective: str) -> None:
    """base_score is stored as an output; its link (log, logit) gives the margin the trees start from."""
    booster, X = xgbmodels.train(objective, 4, seed=3)
    trees = Trees.from_booster(booster)
    assert trees.objective == objective
    assert np.array_equal(trees.predict_margin(X), xgbmodels.margin(booster, X))
    assert np.allclose(trees.predict(X), booster.inplace_predict(X), rtol=1e-6, atol=1e-7)


def test_a_given_base_score_is_linked_too() -> None:
    booster, X = xgbmodels.train("count:poisson", 3, seed=4, base_score=0.37)
    trees = Trees.from_booster(booster)
    assert trees.base_score == pytest.approx(0.37) and trees.base_margin == np.float32(np.log(np.float32(0.37)))
    assert np.array_equal(trees.predict_margin(X), xgbmodels.margin(booster, X))


def test_unsupported_models_and_inputs_are_refused() -> None:
    X, y = xgbmodels.data(5)
    softmax = xgb.train({"objective": "multi:softprob", "num_class": 3, "nthread": 1},
                        xgb.DMatrix(X, label=np.arange(len(y)) % 3), num_boost_round=1)
    with pytest.raises(ModelError, match="objective 'multi:softprob'"):
        Trees.from_booster(softmax)
    dart = xgb.train({"booster": "dart", "nthread": 1}, xgb.DMatrix(X, label=y), num_boost_round=2)
    with pytest.raises(ModelError, match="only gbtree"):
        Trees.from_booster(dart)
    trees = Trees.from_booster(xgbmodels.train("reg:squarederror", 2, seed=5)[0])
    with pytest.raises(ModelError, match=r"expected a \(n, 3\) matrix"):
        trees.predict_margin(np.zeros((2, 4)))
