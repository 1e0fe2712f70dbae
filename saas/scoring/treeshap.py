"""Exact path-dependent TreeSHAP (xgboost's ``pred_contribs``) and features marginalised out, without xgboost.

Why: ``pred_contribs`` costs xgboost ~0.5 ms per row (a float32 recursion per tree) and it cannot take a
feature out of a model. Here the per-leaf work is done once at load (``saas.scoring.treepaths``, which
also holds the maths); a row then costs, per tree, one pass over the internal nodes that sets the row's
bitmask at every node (bit i: the row agrees with every edge of path element i so far) and, per leaf,
k table additions. Few rows go row by row; more go in blocks of rows per tree, node and leaf, so the
inner loops run over rows and vectorise.

A marginalised margin without contributions has kernels of its own (``saas.scoring.treemargin``) that
add the same float64 leaf values in the same order, so the margin is the same bit for bit, 13-24x faster
on 100,000 rows (bench/bench_treeshap.py).

Use: ``TreeEnsemble.from_booster(booster)`` once per model, then ``predict_margin``, ``predict`` and
``contributions`` on the transformed float64 matrix (n, f) the booster sees, NaN for missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numba import njit
from numpy.typing import NDArray

from saas.errors import ModelError
from saas.scoring.treemargin import MarginPlan, margins
from saas.scoring.treepaths import Paths, Tables
from saas.scoring.trees import Trees, output

if TYPE_CHECKING:
    import xgboost as xgb

BLOCK = 256
"""Rows per block in the batch kernel: the block's bitmasks for one tree (slots × BLOCK int32) stay in L1."""
FEW_ROWS = 4
"""Below this many rows the row-by-row kernel is faster (measured: equal at ~3 rows)."""
CACHED_MASKS = 8
"""Table sets kept per model besides the full one: one per distinct allowed mask (~3 MB each here); as many
``MarginPlan``s (~0.2 MB, 0.5 ms to build against ~20 ms for tables), which margins alone need."""
_T = TypeVar("_T")


@njit(cache=True, nogil=True)
def _rows(X: np.ndarray, p_tree_internal: np.ndarray, p_feature: np.ndarray, p_threshold: np.ndarray,
          p_default_left: np.ndarray, p_bit: np.ndarray, p_left: np.ndarray, p_right: np.ndarray,
          p_tree_leaf: np.ndarray, p_leaf_slot: np.ndarray, p_leaf_k: np.ndarray, p_elem_start: np.ndarray,
          p_elem_feature: np.ndarray, p_table_start: np.ndarray, slots: int, table: np.ndarray, value: np.ndarray,
          allowed_bits: np.ndarray, out: np.ndarray, margin: np.ndarray, contribs: bool) -> None:  # pragma: no cover
    """Row by row: margin (n) += the leaves' (marginalised) values, and if ``contribs`` out (n, f + 1) +=
    the contributions."""
    mask = np.empty(slots, dtype=np.int64)
    for t in range(len(p_tree_internal) - 1):
        for row in range(X.shape[0]):
            mask[0] = -1
            first = p_tree_internal[t]
            for i in range(first, p_tree_internal[t + 1]):
                x = X[row, p_feature[i]]
                go_left = np.int64(p_default_left[i] if np.isnan(x) else x < p_threshold[i])
                b = mask[i - first]
                mask[p_left[i]] = b & ~(p_bit[i] * (1 - go_left))
                mask[p_right[i]] = b & ~(p_bit[i] * go_left)
            for leaf in range(p_tree_leaf[t], p_tree_leaf[t + 1]):
                k = p_leaf_k[leaf]
                b = mask[p_leaf_slot[leaf]] & ((np.int64(1) << k) - 1)
                if b & allowed_bits[leaf] == allowed_bits[leaf]:
                    margin[row] += value[leaf]
                if contribs:
                    start, es = p_table_start[leaf] + b * k, p_elem_start[leaf]
                    for j in range(k):
                        out[row, p_elem_feature[es + j]] += table[start + j]


@njit(cache=True, nogil=True)
def _blocks(XT: np.ndarray, p_tree_internal: np.ndarray, p_feature: np.ndarray, p_threshold: np.ndarray,
            p_default_left: np.ndarray, p_bit: np.ndarray, p_left: np.ndarray, p_right: np.ndarray,
            p_tree_leaf: np.ndarray, p_leaf_slot: np.ndarray, p_leaf_k: np.ndarray, p_elem_start: np.ndarray,
            p_elem_feature: np.ndarray, p_table_start: np.ndarray, slots: int, table: np.ndarray, value: np.ndarray,
            allowed_bits: np.ndarray, outT: np.ndarray, margin: np.ndarray, contribs: bool) -> None:  # pragma: no cover
    """As ``_rows`` on the transposed matrix XT (f, n) and outT (f + 1, n), BLOCK rows at a time."""
    n = XT.shape[1]
    mask = np.empty((slots, min(BLOCK, n)), dtype=np.int32)
    index = np.empty(min(BLOCK, n), dtype=np.int64)
    for r0 in range(0, n, BLOCK):
        nb = min(n, r0 + BLOCK) - r0
        for t in range(len(p_tree_internal) - 1):
            mask[0, :nb] = -1
            first = p_tree_internal[t]
            for i in range(first, p_tree_internal[t + 1]):
                f, threshold, bit = p_feature[i], p_threshold[i], np.int32(p_bit[i])
                default, left, right, slot = p_default_left[i], p_left[i], p_right[i], i - first
                for r in range(nb):
                    x = XT[f, r0 + r]
                    go_left = np.int32((x < threshold) | (default & (x != x)))
                    b = mask[slot, r]
                    mask[left, r] = b & ~(bit * (1 - go_left))
                    mask[right, r] = b & ~(bit * go_left)
            for leaf in range(p_tree_leaf[t], p_tree_leaf[t + 1]):
                k, slot, start = p_leaf_k[leaf], p_leaf_slot[leaf], p_table_start[leaf]
                full, ab, v = np.int32((1 << k) - 1), np.int32(allowed_bits[leaf]), value[leaf]
                for r in range(nb):
                    b = mask[slot, r] & full
                    index[r] = start + b * k
                    if b & ab == ab:
                        margin[r0 + r] += v
                es = p_elem_start[leaf]
                for j in range(k if contribs else 0):
                    f = p_elem_feature[es + j]
                    for r in range(nb):
                        outT[f, r0 + r] += table[index[r] + j]


class TreeEnsemble:
    """One model's exact margins, TreeSHAP contributions and marginalisation; safe to share between threads.

    ``allowed``: None (every feature), a boolean mask (f,) for the call, or (n, f), one mask per row.
    Features not allowed are marginalised out (``saas.scoring.treepaths``): the margin is the cover-weighted
    expectation over them, nothing depends on their values, and their contributions are exactly 0.
    """

    def __init__(self, trees: Trees) -> None:
        self.trees = trees
        self.paths = Paths.of(trees)
        self.bias = float(trees.base_margin) + self.paths.mean()
        """The last column of ``contributions``: v(∅), the base margin plus each tree's cover-weighted mean."""
        self._all = Tables.build(self.paths, np.ones(trees.n_features, dtype=np.bool_))
        self._cache: dict[bytes, Tables] = {}
        self._plans: dict[bytes, MarginPlan] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_json(cls, raw: bytes | bytearray | str) -> TreeEnsemble:
        return cls(Trees.from_json(raw))

    @classmethod
    def from_booster(cls, booster: xgb.Booster) -> TreeEnsemble:
        return cls(Trees.from_booster(booster))

    @property
    def n_features(self) -> int:
        return self.trees.n_features

    def predict_margin(self, X: np.ndarray, allowed: np.ndarray | None = None) -> NDArray[np.float64]:
        """The margin. With every feature allowed it is xgboost's float32 margin bit for bit; otherwise the
        marginalised margin in float64, equal to the row sums of ``contributions(X, allowed)``."""
        if allowed is None or np.all(allowed):
            return self.trees.predict_margin(X)
        return self._margins(self.trees.rows(X), allowed)

    def predict(self, X: np.ndarray, allowed: np.ndarray | None = None) -> NDArray[np.float64]:
        """``predict_margin`` through the objective's inverse link (exp for count:poisson). Marginalising is
        done on the margin, as TreeSHAP's game is: for a log link that is exp of the expected log, not the
        expected frequency."""
        return output(self.trees.objective, self.predict_margin(X, allowed))

    def contributions(self, X: np.ndarray, allowed: np.ndarray | None = None) -> NDArray[np.float64]:
        """(n, f + 1) exact TreeSHAP values, the last column the bias; a row sums to its margin (float64; within
        ~1e-6 of the float32 one when every feature is allowed)."""
        return self._run(X, allowed)[0]

    def _tables(self, allowed: NDArray[np.bool_]) -> Tables:
        if allowed.all():
            return self._all
        return self._cached(self._cache, allowed, Tables.build)

    def _plan(self, allowed: NDArray[np.bool_]) -> MarginPlan:
        return self._cached(self._plans, allowed, MarginPlan.build)

    def _cached(self, cache: dict[bytes, _T], allowed: NDArray[np.bool_],
                build: Callable[[Paths, NDArray[np.bool_]], _T]) -> _T:
        key = allowed.tobytes()
        found = cache.get(key)
        if found is None:
            found = build(self.paths, allowed)
            with self._lock:
                if len(cache) >= CACHED_MASKS:
                    cache.pop(next(iter(cache)))
                cache[key] = found
        return found

    def _groups(self, allowed: np.ndarray | None, n: int) -> list[tuple[NDArray[np.bool_], NDArray[np.intp]]]:
        """The distinct allowed masks, each with the rows it applies to."""
        f = self.n_features
        mask = np.ones(f, dtype=np.bool_) if allowed is None else np.asarray(allowed, dtype=np.bool_)
        if mask.shape == (f,):
            return [(mask, np.arange(n))]
        if mask.shape != (n, f):
            raise ModelError(f"allowed must have shape ({f},) or ({n}, {f}), got {mask.shape}")
        masks, inverse = np.unique(mask, axis=0, return_inverse=True)
        return [(m, np.flatnonzero(inverse.ravel() == i)) for i, m in enumerate(masks)]

    def _run(self, X: np.ndarray, allowed: np.ndarray | None,
             contribs: bool = True) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        rows = self.trees.rows(X)
        if not contribs:
            out = np.zeros((len(rows), self.n_features + 1))
            out[:, -1] = self.bias
            return out, self._margins(rows, allowed)
        groups = self._groups(allowed, len(rows))
        if len(groups) == 1:
            out, margin = self._kernel(rows, self._tables(groups[0][0]), contribs)
        else:
            out, margin = np.zeros((len(rows), self.n_features + 1)), np.zeros(len(rows))
            for mask, index in groups:
                out[index], margin[index] = self._kernel(rows[index], self._tables(mask), contribs)
        out[:, -1] = self.bias
        return out, margin

    def _kernel(self, rows: NDArray[np.float32], tables: Tables,
                contribs: bool) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        p, n, f = self.paths, len(rows), self.n_features
        margin = np.full(n, float(self.trees.base_margin))
        args = (p.tree_internal, p.feature, p.threshold, p.default_left, p.bit, p.left, p.right, p.tree_leaf,
                p.leaf_slot, p.leaf_k, p.elem_start, p.elem_feature, p.table_start, p.slots, tables.table,
                tables.value, tables.allowed_bits)
        if n < FEW_ROWS:
            out = np.zeros((n, f + 1))
            _rows(rows, *args, out, margin, contribs)
            return out, margin
        outT = np.zeros((f + 1, n))
        _blocks(np.ascontiguousarray(rows.T), *args, outT, margin, contribs)
        return np.ascontiguousarray(outT.T), margin

    def _margins(self, rows: NDArray[np.float32], allowed: np.ndarray | None) -> NDArray[np.float64]:
        """The marginalised margin in float64, the same bit for bit as ``_kernel``'s."""
        groups = self._groups(allowed, len(rows))
        if len(groups) == 1:
            return self._margin_kernel(rows, self._plan(groups[0][0]))
        margin = np.zeros(len(rows))
        for mask, index in groups:
            margin[index] = self._margin_kernel(rows[index], self._plan(mask))
        return margin

    def _margin_kernel(self, rows: NDArray[np.float32], plan: MarginPlan) -> NDArray[np.float64]:
        return margins(self.paths, plan, rows, float(self.trees.base_margin))
