"""Our TreeSHAP equals xgboost's pred_contribs and a float64 brute force; marginalisation is exact."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import xgboost as xgb

from saas.errors import ModelError
from saas.scoring import treeshap
from saas.scoring.model import RiskModel
from saas.scoring.treeshap import TreeEnsemble
from tests.unit.scoring import xgbmodels

pytestmark = pytest.mark.unit


def test_xgboost_is_the_version_these_golden_tests_reproduce() -> None:
    assert xgb.__version__ == xgbmodels.XGBOOST_VERSION, xgbmodels.PIN_MESSAGE


@pytest.fixture(scope="module")
def shipped(model: RiskModel) -> TreeEnsemble:
    return TreeEnsemble.from_booster(model.booster)


def test_shipped_model_contributions_are_xgboosts(model: RiskModel, shipped: TreeEnsemble, rows: np.ndarray) -> None:
    Z = model.transform(rows)
    Z[::13, 2] = np.nan
    ours = shipped.contributions(Z)
    expected = xgbmodels.contribs(model.booster, Z)
    assert ours.shape == (500, 8) and ours.dtype == np.float64
    assert np.abs(ours - expected).max() <= 1e-6
    assert np.abs(ours.sum(axis=1) - shipped.predict_margin(Z)).max() <= 1e-6
    assert np.all(ours[:, -1] == shipped.bias)
    one_by_one = np.vstack([shipped.contributions(Z[i:i + 1]) for i in range(6)])  # the row-by-row kernel
    assert np.array_equal(one_by_one, ours[:6])


@pytest.mark.parametrize("depth", [1, 2, 4, 6, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_models_with_nans_and_repeated_features(depth: int, seed: int) -> None:
    booster, X = xgbmodels.train("reg:squarederror", depth, seed)
    ours = TreeEnsemble.from_booster(booster).contributions(X)
    expected = xgbmodels.contribs(booster, X)
    assert np.abs(ours - expected).max() <= 1e-6 + 1e-5 * np.abs(expected).max()
    assert np.allclose(ours.sum(axis=1), xgbmodels.margin(booster, X), atol=1e-6)


def test_trees_without_a_split_and_no_rows() -> None:
    booster, X = xgbmodels.train("reg:squarederror", 3, seed=1, gamma=1e9)  # every tree a single leaf
    ensemble = TreeEnsemble.from_booster(booster)
    assert np.abs(ensemble.contributions(X) - xgbmodels.contribs(booster, X)).max() <= 1e-6
    assert np.array_equal(ensemble.predict_margin(X), xgbmodels.margin(booster, X))
    assert ensemble.contributions(X[:0]).shape == (0, 4) and ensemble.predict_margin(X[:0], [1, 0, 1]).shape == (0,)


def test_poisson_contributions_are_on_the_margin_scale() -> None:
    booster, X = xgbmodels.train("count:poisson", 5, seed=2, rounds=20)
    ensemble = TreeEnsemble.from_booster(booster)
    ours = ensemble.contributions(X)
    assert np.abs(ours - xgbmodels.contribs(booster, X)).max() <= 1e-6
    assert np.allclose(np.exp(ours.sum(axis=1)), booster.inplace_predict(X), rtol=1e-6)
    assert np.allclose(ensemble.predict(X), booster.inplace_predict(X), rtol=1e-6)


class BruteForce:
    """The path-dependent game v(S)(x) walked straight off xgboost's JSON in float64 (its numbers are float32,
    written shortest), and exact Shapley values by enumerating coalitions; independent of the code under test."""

    def __init__(self, booster: xgb.Booster) -> None:
        learner = json.loads(booster.save_raw("json"))["learner"]
        self.trees = learner["gradient_booster"]["model"]["trees"]
        self.base = float(np.float32(learner["learner_model_param"]["base_score"].strip("[]")))
        self.n = int(learner["learner_model_param"]["num_feature"])

    def _walk(self, tree: dict, node: int, x: np.ndarray, known: frozenset[int]) -> float:
        left, right = tree["left_children"][node], tree["right_children"][node]
        if left == -1:
            return float(np.float32(tree["split_conditions"][node]))
        f = tree["split_indices"][node]
        if f in known:
            v, threshold = np.float32(x[f]), np.float32(tree["split_conditions"][node])
            go_left = bool(tree["default_left"][node]) if np.isnan(v) else v < threshold
            return self._walk(tree, left if go_left else right, x, known)
        cover = np.asarray(tree["sum_hessian"], dtype=np.float32).astype(np.float64)
        return sum(cover[c] / cover[node] * self._walk(tree, c, x, known) for c in (left, right))

    def value(self, x: np.ndarray, known: frozenset[int]) -> float:
        return self.base + sum(self._walk(tree, 0, x, known) for tree in self.trees)

    def shapley(self, x: np.ndarray, players: list[int]) -> np.ndarray:
        """Shapley values of v restricted to ``players`` (others never known), bias v(∅) last."""
        phi, k = np.zeros(self.n + 1), len(players)
        v = {S: self.value(x, frozenset(S)) for r in range(k + 1) for S in itertools.combinations(players, r)}
        for j in players:
            others = [p for p in players if p != j]
            for r in range(k):
                w = math.factorial(r) * math.factorial(k - 1 - r) / math.factorial(k)
                for S in itertools.combinations(others, r):
                    phi[j] += w * (v[tuple(sorted((*S, j)))] - v[S])
        phi[-1] = v[()]
        return phi


@pytest.fixture(scope="module")
def tiny() -> tuple[xgb.Booster, np.ndarray, BruteForce]:
    booster, X = xgbmodels.train("reg:squarederror", 6, seed=7, rounds=3, features=5)  # paths of up to 5 features
    return booster, X[:12], BruteForce(booster)


def test_brute_force_agrees_with_ours_exactly_and_with_xgboost_to_float32(tiny: tuple) -> None:
    booster, X, brute = tiny
    expected = np.array([brute.shapley(x, list(range(5))) for x in X])
    assert np.abs(TreeEnsemble.from_booster(booster).contributions(X) - expected).max() <= 1e-12
    assert np.abs(xgbmodels.contribs(booster, X) - expected).max() <= 1e-5


@pytest.mark.parametrize("allowed", [(1, 1, 0, 1, 1), (0, 1, 0, 1, 0), (1, 0, 0, 0, 0), (0, 0, 0, 0, 0)])
def test_marginalised_model_is_the_game_restricted_to_allowed_features(tiny: tuple, allowed: tuple) -> None:
    booster, X, brute = tiny
    ensemble, mask = TreeEnsemble.from_booster(booster), np.array(allowed, dtype=np.bool_)
    players = [int(i) for i in np.flatnonzero(mask)]
    margin, contribs = ensemble.predict_margin(X, mask), ensemble.contributions(X, mask)
    assert np.abs(margin - [brute.value(x, frozenset(players)) for x in X]).max() <= 1e-12
    assert np.abs(contribs - [brute.shapley(x, players) for x in X]).max() <= 1e-12
    assert np.all(contribs[:, :-1][:, ~mask] == 0.0) and np.all(contribs[:, -1] == ensemble.bias)
    assert np.abs(contribs.sum(axis=1) - margin).max() <= 1e-12


def test_disallowed_inputs_change_nothing(model: RiskModel, shipped: TreeEnsemble, rows: np.ndarray) -> None:
    Z = model.transform(rows[:300])
    mask = np.ones(7, dtype=np.bool_)
    mask[[3, 6]] = False  # speeding, prior claims
    changed = Z.copy()
    changed[:, 3] = np.random.default_rng(1).normal(scale=3, size=len(Z))
    changed[::2, 6] = np.nan
    for X in (Z, Z[:2]):  # both kernels
        other = changed[:len(X)]
        assert np.array_equal(shipped.predict_margin(X, mask), shipped.predict_margin(other, mask))
        assert np.array_equal(shipped.contributions(X, mask), shipped.contributions(other, mask))
    contribs = shipped.contributions(Z, mask)
    assert np.all(contribs[:, [3, 6]] == 0.0)
    assert np.abs(contribs.sum(axis=1) - shipped.predict_margin(Z, mask)).max() <= 1e-9
    assert np.array_equal(shipped.predict(Z, mask), shipped.predict_margin(Z, mask))  # squared error: no link


def test_per_row_masks_equal_per_call_masks(shipped: TreeEnsemble, model: RiskModel, rows: np.ndarray) -> None:
    Z = model.transform(rows[:40])
    masks = np.ones((40, 7), dtype=np.bool_)
    masks[::3, 0] = False
    masks[1::3, 5] = False
    expected = np.vstack([shipped.contributions(Z[i:i + 1], masks[i]) for i in range(40)])
    assert np.allclose(shipped.contributions(Z, masks), expected, rtol=0, atol=1e-12)
    assert np.array_equal(shipped.contributions(Z, np.ones(7, dtype=np.bool_)), shipped.contributions(Z))
    assert np.array_equal(shipped.predict_margin(Z, np.ones((40, 7), dtype=np.bool_)), shipped.predict_margin(Z))
    with pytest.raises(ModelError, match="allowed must have shape"):
        shipped.contributions(Z, np.ones(6, dtype=np.bool_))


def test_many_masks_are_served_with_a_bounded_cache(tiny: tuple) -> None:
    booster, X, _ = tiny
    ensemble = TreeEnsemble.from_booster(booster)
    masks = [np.array(bits, dtype=np.bool_) for bits in itertools.product((0, 1), repeat=5)]
    first = [ensemble.contributions(X, m) for m in masks]
    again = [ensemble.contributions(X, m) for m in masks]
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert len(ensemble._cache) <= treeshap.CACHED_MASKS
