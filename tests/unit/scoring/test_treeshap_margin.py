"""The margin-only kernels give the contribution kernels' marginalised margin bit for bit.

Recorded decisions are replayed and compared to the cent, so "close" is not enough: for every mask,
row and kernel (the depth-first walk for few rows, the blocks of words for more, and the walk for trees
with more than 64 allowed splits) the float64 margin must have the same bytes as the one the contribution
kernels ``_rows`` / ``_blocks`` compute (``TreeEnsemble._kernel`` with ``contribs=False``, the path
``predict_margin`` took before). Rows include NaNs, infinities and values exactly at (and just below)
split thresholds, where ``<`` and the default direction decide.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import xgboost as xgb
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from saas.scoring import treeshap
from saas.scoring.model import RiskModel
from saas.scoring.treeshap import TreeEnsemble
from tests.unit.scoring import xgbmodels

pytestmark = pytest.mark.unit
N_FEATURES = 7


def partial_masks(f: int) -> list[tuple[int, ...]]:
    """Every mask that disallows one feature, two, or all but one."""
    out = []
    for r in sorted({1, 2, f - 1}):
        for off in itertools.combinations(range(f), r):
            out.append(tuple(0 if i in off else 1 for i in range(f)))
    return out


def contribution_kernels_margin(ensemble: TreeEnsemble, X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The marginalised margin as ``predict_margin`` computed it before the margin-only kernels."""
    return ensemble._kernel(ensemble.trees.rows(X), ensemble._tables(np.asarray(mask, dtype=np.bool_)),
                            contribs=False)[1]


def assert_same_bits(ours: np.ndarray, expected: np.ndarray) -> None:
    assert ours.dtype == expected.dtype == np.float64 and ours.shape == expected.shape
    if ours.tobytes() != expected.tobytes():
        differ = np.flatnonzero(ours.view(np.int64) != expected.view(np.int64))
        raise AssertionError(f"{len(differ)} of {len(ours)} margins differ, first at row {differ[0]}: "
                             f"{ours[differ[0]]!r} != {expected[differ[0]]!r}")


def hard_rows(ensemble: TreeEnsemble, Z: np.ndarray, n: int, seed: int, infinite: bool = True) -> np.ndarray:
    """n rows resampled from Z, with a third of the values set to a threshold of their feature, some just
    below one, 10 % NaN and (if ``infinite``) 1 % ±inf."""
    rng = np.random.default_rng(seed)
    X = Z[rng.integers(len(Z), size=n)].copy()
    p = ensemble.paths
    for f in range(X.shape[1]):
        thresholds = p.threshold[p.feature == f]
        if len(thresholds) == 0:
            continue
        at = rng.random(n) < 0.3
        X[at, f] = rng.choice(thresholds, at.sum())
        below = rng.random(n) < 0.1
        X[below, f] = np.nextafter(rng.choice(thresholds, below.sum()), np.float32(-np.inf))
    X[rng.random(X.shape) < 0.1] = np.nan
    if infinite:
        X[rng.random(X.shape) < 0.01] = np.inf
        X[rng.random(X.shape) < 0.01] = -np.inf
    return X


@pytest.fixture(scope="module")
def shipped(model: RiskModel) -> TreeEnsemble:
    return TreeEnsemble.from_booster(model.booster)


@pytest.fixture(scope="module")
def X(shipped: TreeEnsemble, model: RiskModel, rows: np.ndarray) -> np.ndarray:
    """3,000 rows: two full blocks of the batch kernel and a partial one."""
    return hard_rows(shipped, model.transform(rows), 3000, seed=3)


def test_the_shipped_model_takes_the_32_bit_block_kernel(shipped: TreeEnsemble) -> None:
    assert len(partial_masks(N_FEATURES)) == 7 + 21 + 7
    for mask in partial_masks(N_FEATURES):
        plan = shipped._plan(np.array(mask, dtype=np.bool_))
        assert plan.words and plan.bit.dtype == np.uint32


@pytest.mark.parametrize("mask", partial_masks(N_FEATURES), ids=lambda m: "".join(map(str, m)))
def test_masked_margin_is_the_contribution_kernels_bit_for_bit(shipped: TreeEnsemble, X: np.ndarray,
                                                               mask: tuple[int, ...]) -> None:
    allowed = np.array(mask, dtype=np.bool_)
    expected = contribution_kernels_margin(shipped, X, allowed)
    assert_same_bits(shipped.predict_margin(X, allowed), expected)  # blocks
    for size in (1, 2, 3):  # the depth-first walk
        few = [shipped.predict_margin(X[i:i + size], allowed) for i in range(0, 60, size)]
        assert_same_bits(np.concatenate(few), expected[:60])
    assert_same_bits(shipped.predict_margin(X[:4], allowed), expected[:4])  # the smallest block
    out, margin = shipped._run(X[:50], allowed, contribs=False)
    assert_same_bits(margin, expected[:50])
    assert np.all(out[:, :-1] == 0.0) and np.all(out[:, -1] == shipped.bias)


def test_the_walk_gives_the_blocks_margin_on_many_rows(shipped: TreeEnsemble, X: np.ndarray) -> None:
    rows = shipped.trees.rows(X)
    for mask in [(1, 1, 1, 0, 1, 1, 1), (0, 1, 1, 0, 1, 1, 1), (0, 0, 0, 0, 0, 1, 0)]:
        plan = shipped._plan(np.array(mask, dtype=np.bool_))
        assert_same_bits(shipped._margin_kernel(rows, dataclasses.replace(plan, words=False)),
                         shipped._margin_kernel(rows, plan))


def test_per_row_masks(shipped: TreeEnsemble, X: np.ndarray) -> None:
    choices = [np.array(m, dtype=np.bool_) for m in [*partial_masks(N_FEATURES), (1,) * N_FEATURES]]
    pick = np.random.default_rng(5).integers(len(choices), size=len(X))
    per_mask = [contribution_kernels_margin(shipped, X, m) for m in choices]
    expected = np.array([per_mask[k][i] for i, k in enumerate(pick)])
    masks = np.array([choices[k] for k in pick])
    assert_same_bits(shipped.predict_margin(X, masks), expected)
    assert len(shipped._plans) <= treeshap.CACHED_MASKS


def test_every_feature_allowed_is_still_xgboosts_float32_margin(shipped: TreeEnsemble, model: RiskModel,
                                                                rows: np.ndarray) -> None:
    Z = hard_rows(shipped, model.transform(rows), 2000, seed=4, infinite=False)
    expected = xgbmodels.margin(model.booster, Z)
    assert expected.dtype == np.float32
    for allowed in (None, np.ones(N_FEATURES, dtype=np.bool_), np.ones((len(Z), N_FEATURES), dtype=np.bool_)):
        ours = shipped.predict_margin(Z, allowed)
        assert ours.dtype == np.float64 and np.array_equal(ours, expected.astype(np.float64))
    assert np.array_equal(shipped.predict_margin(Z[:1]), expected[:1].astype(np.float64))


def test_a_cached_plan_keeps_its_own_copy_of_the_mask(shipped: TreeEnsemble, X: np.ndarray) -> None:
    ensemble = TreeEnsemble(shipped.trees)
    mask = np.array([1, 1, 1, 0, 1, 1, 1], dtype=np.bool_)
    first = ensemble.predict_margin(X[:2], mask)
    mask[3], mask[0] = True, False  # the caller reuses its array for another mask
    assert_same_bits(ensemble.predict_margin(X[:2], mask), contribution_kernels_margin(ensemble, X[:2], mask))
    assert_same_bits(ensemble.predict_margin(X[:2], np.array([1, 1, 1, 0, 1, 1, 1], dtype=np.bool_)), first)


@pytest.mark.parametrize("depth", [1, 3, 6])
@pytest.mark.parametrize("objective", ["reg:squarederror", "count:poisson"])
def test_models_trained_with_nans_send_them_left_and_right(objective: str, depth: int) -> None:
    """The shipped model was trained without missing inputs (every default is right); these were not."""
    booster, rows = xgbmodels.train(objective, depth, seed=depth)
    ensemble = TreeEnsemble.from_booster(booster)
    assert 0 < ensemble.paths.default_left.mean() < 1
    X = hard_rows(ensemble, rows, 200, seed=depth)
    for bits in itertools.product((0, 1), repeat=3):
        allowed = np.array(bits, dtype=np.bool_)
        expected = contribution_kernels_margin(ensemble, X, allowed)
        assert_same_bits(ensemble._margins(ensemble.trees.rows(X), allowed), expected)
        assert_same_bits(np.concatenate([ensemble._margins(ensemble.trees.rows(X[i:i + 1]), allowed)
                                         for i in range(20)]), expected[:20])


def deep_booster() -> tuple[xgb.Booster, np.ndarray]:
    """Depth-8 trees on 3,000 rows of 5 features: trees of up to ~200 splits, so some masks leave more
    than 32 or 64 allowed splits in a tree (uint64 words, or the walk for every row count)."""
    X, y = xgbmodels.data(11, rows=3000, features=5)
    booster = xgb.train({"objective": "reg:squarederror", "max_depth": 8, "eta": 0.3, "nthread": 1, "seed": 11,
                         "tree_method": "hist"}, xgb.DMatrix(X, label=y), num_boost_round=6)
    return booster, xgbmodels.data(12, rows=600, features=5)[0]


def test_deep_trees_with_32_and_64_bit_words_and_the_walk() -> None:
    booster, rows = deep_booster()
    ensemble = TreeEnsemble.from_booster(booster)
    X = hard_rows(ensemble, rows, 600, seed=6)
    kinds = set()
    for bits in itertools.product((0, 1), repeat=5):
        allowed = np.array(bits, dtype=np.bool_)
        plan = ensemble._plan(allowed)
        kinds.add(plan.bit.dtype.name if plan.words else "walk")
        expected = contribution_kernels_margin(ensemble, X, allowed)
        assert_same_bits(ensemble._margins(ensemble.trees.rows(X), allowed), expected)
        assert_same_bits(np.concatenate([ensemble._margins(ensemble.trees.rows(X[i:i + 2]), allowed)
                                         for i in range(0, 20, 2)]), expected[:20])
    assert kinds == {"uint32", "uint64", "walk"}


def test_single_leaf_trees_and_no_rows() -> None:
    booster, X = xgbmodels.train("reg:squarederror", 3, seed=1, gamma=1e9)  # every tree a single leaf
    ensemble = TreeEnsemble.from_booster(booster)
    for mask in ([1, 0, 1], [0, 0, 0]):
        allowed = np.array(mask, dtype=np.bool_)
        for n in (0, 1, 200):
            assert_same_bits(ensemble.predict_margin(X[:n], allowed),
                             contribution_kernels_margin(ensemble, X[:n], allowed))


@st.composite
def cases(draw: st.DrawFn, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mask = np.array(draw(st.lists(st.booleans(), min_size=N_FEATURES, max_size=N_FEATURES)), dtype=np.bool_)
    values = st.one_of(st.sampled_from([float(t) for t in thresholds]), st.floats(-3, 8, width=32),
                       st.sampled_from([np.nan, np.inf, -np.inf]))
    X = draw(hnp.arrays(np.float32, st.tuples(st.integers(0, 40), st.just(N_FEATURES)), elements=values))
    return X.astype(np.float64), mask


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_masks_and_rows(shipped: TreeEnsemble, data: st.DataObject) -> None:
    X, mask = data.draw(cases(np.unique(shipped.paths.threshold).astype(np.float32)))
    assert_same_bits(shipped._margins(shipped.trees.rows(X), mask), contribution_kernels_margin(shipped, X, mask))
