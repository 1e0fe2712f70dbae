"""Exact path-dependent TreeSHAP (xgboost's ``pred_contribs``) and features marginalised out, without xgboost.

Why: ``pred_contribs`` costs xgboost ~0.5 ms per row (a float32 recursion per tree) and it cannot take a
feature out of a model. Here the per-leaf work is done once at load (``saas.scoring.treepaths``, which
also holds the maths); a row then costs, per tree, one pass over the internal nodes that sets the row's
bitmask at every node (bit i: the row agrees with every edge of path element i so far) and, per leaf,
k table additions. Few rows go row by row; more go in blocks of rows per tree, node and leaf, so the
inner loops run over rows and vectorise.

A marginalised margin without contributions has its own kernels, which add the same float64 leaf values
in the same order as the ones above (so the margin is the same bit for bit) without the bitmasks and the
per-leaf table work: few rows walk each tree depth first, following the row at an allowed split and
taking both children at a disallowed one; more rows go in blocks, per tree one vectorised pass per
allowed split that sets a bit of the row's 32- or 64-bit word (disallowed splits cost nothing) and one
masked add per leaf (a tree with more than 64 allowed splits takes the walk). On 100,000 rows with one
or two inputs not allowed: 13-24x faster than the margin of the contribution kernels
(bench/bench_treeshap.py).

Use: ``TreeEnsemble.from_booster(booster)`` once per model, then ``predict_margin``, ``predict`` and
``contributions`` on the transformed float64 matrix (n, f) the booster sees, NaN for missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numba import njit
from numpy.typing import NDArray

from saas.errors import ModelError
from saas.scoring.treepaths import Paths, Tables, leaf_values
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
MARGIN_BLOCK = 1024
"""Rows per block in the batch margin kernel: its words, margins and rows stay in L1 (measured: 256 to 4096
within noise of each other, 1024 a little ahead)."""
FEW_MARGIN_ROWS = 4
"""Below this many rows the depth-first margin kernel is faster than the blocks (measured on fresh rows,
the walk mispredicting as it would in use: equal at ~3 rows, ~8 for a mask of a rarely split feature)."""

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


@njit(cache=True, nogil=True)
def _margin_rows(X: np.ndarray, p_tree_internal: np.ndarray, p_feature: np.ndarray, p_threshold: np.ndarray,
                 p_default_left: np.ndarray, p_left: np.ndarray, p_right: np.ndarray, p_tree_leaf: np.ndarray,
                 slots: int, allowed: np.ndarray, value: np.ndarray, margin: np.ndarray) -> None:  # pragma: no cover
    """Row by row, margin (n) += the reached leaves' marginalised values: a depth-first walk of each tree
    that follows the row at a split on an allowed feature and takes both children at any other. Left
    child first: leaves are numbered in preorder, so they are added in increasing leaf number, as ``_rows``
    adds them. Slot s of tree t is internal node first + s below its n internal nodes, else leaf
    tree_leaf[t] + s − n."""
    pending = np.empty(slots, dtype=np.int64)  # right children still to visit; at most the depth
    for row in range(X.shape[0]):
        m = margin[row]
        for t in range(len(p_tree_internal) - 1):
            first = p_tree_internal[t]
            internal, leaf0 = p_tree_internal[t + 1] - first, p_tree_leaf[t]
            slot, top = 0, 0
            while True:
                if slot >= internal:
                    m += value[leaf0 + slot - internal]
                    if top == 0:
                        break
                    top -= 1
                    slot = pending[top]
                    continue
                i = first + slot
                f = p_feature[i]
                if allowed[f]:
                    x = X[row, f]
                    go_left = p_default_left[i] if np.isnan(x) else x < p_threshold[i]
                    slot = p_left[i] if go_left else p_right[i]
                else:
                    pending[top] = p_right[i]
                    top += 1
                    slot = p_left[i]
        margin[row] = m


@njit(cache=True, nogil=True)
def _margin_blocks(XT: np.ndarray, s_tree: np.ndarray, s_feature: np.ndarray, s_threshold: np.ndarray,
                   s_nan_left: np.ndarray, s_bit: np.ndarray, p_tree_leaf: np.ndarray, leaf_care: np.ndarray,
                   leaf_want: np.ndarray, value: np.ndarray, margin: np.ndarray) -> None:  # pragma: no cover
    """As ``_margin_rows`` on the transposed matrix XT (f, n), MARGIN_BLOCK rows at a time, per tree: a row's
    word gets the bit of each allowed split the row goes left at (disallowed splits cost nothing); then
    each leaf in order adds its value to the rows whose word agrees with it on the allowed splits above
    it, (word & care) == want. Every loop runs over the block's rows and vectorises; the words are
    uint32 or uint64 as the plan's bits are (half the width, twice the lanes)."""
    n = XT.shape[1]
    block = max(1, min(MARGIN_BLOCK, n))
    word = np.empty(block, dtype=s_bit.dtype)
    m = np.empty(block)
    for r0 in range(0, n, block):
        nb = min(n, r0 + block) - r0
        for r in range(nb):
            m[r] = margin[r0 + r]
        for t in range(len(s_tree) - 1):
            for r in range(nb):
                word[r] = 0
            for i in range(s_tree[t], s_tree[t + 1]):
                x, threshold, bit = XT[s_feature[i], r0:r0 + nb], s_threshold[i], s_bit[i]
                none = bit ^ bit
                if s_nan_left[i]:  # NaN compares false: left here, right below
                    for r in range(nb):
                        word[r] |= none if x[r] >= threshold else bit
                else:
                    for r in range(nb):
                        word[r] |= bit if x[r] < threshold else none
            for leaf in range(p_tree_leaf[t], p_tree_leaf[t + 1]):
                care, want, v = leaf_care[leaf], leaf_want[leaf], value[leaf]
                for r in range(nb):
                    added = m[r] + v
                    m[r] = added if word[r] & care == want else m[r]  # a select: the others keep their bits
        for r in range(nb):
            margin[r0 + r] = m[r]


@njit(cache=True, nogil=True)
def _plan_arrays(p_tree_internal: np.ndarray, p_feature: np.ndarray, p_left: np.ndarray, p_right: np.ndarray,
                 p_tree_leaf: np.ndarray, p_leaf_slot: np.ndarray, allowed: np.ndarray,
                 slots: int) -> tuple:  # pragma: no cover
    """``MarginPlan``'s arrays: the allowed splits (internal node numbers, in preorder), where each tree's
    start, each one's bit (1 << j for a tree's j-th allowed split), and per leaf the bits of the allowed
    splits above it (care) and of those it is left of (want). Bits of j ≥ 64 wrap: unused then."""
    split = np.flatnonzero(allowed[p_feature])
    s_tree = np.searchsorted(split, p_tree_internal)
    s_bit = np.empty(len(split), dtype=np.uint64)
    leaf_care, leaf_want = np.zeros(p_tree_leaf[-1], dtype=np.uint64), np.zeros(p_tree_leaf[-1], dtype=np.uint64)
    care, want = np.zeros(slots, dtype=np.uint64), np.zeros(slots, dtype=np.uint64)  # per slot of one tree
    for t in range(len(p_tree_internal) - 1):
        first, j = p_tree_internal[t], 0
        for i in range(first, p_tree_internal[t + 1]):  # preorder: a node's bits are set before its children's
            here, left, right = i - first, p_left[i], p_right[i]
            bit = np.uint64(0)
            if allowed[p_feature[i]]:
                bit = np.uint64(1) << np.uint64(j & 63)
                s_bit[s_tree[t] + j], j = bit, j + 1
            care[left], want[left] = care[here] | bit, want[here] | bit
            care[right], want[right] = care[here] | bit, want[here]
        for leaf in range(p_tree_leaf[t], p_tree_leaf[t + 1]):
            leaf_care[leaf], leaf_want[leaf] = care[p_leaf_slot[leaf]], want[p_leaf_slot[leaf]]
    return split, s_tree, s_bit, leaf_care, leaf_want


@dataclass(frozen=True, eq=False)
class MarginPlan:
    """For one allowed mask, what the margin kernels need besides ``Paths``."""

    allowed: NDArray[np.bool_]
    value: NDArray[np.float64]         # per leaf, v' (``treepaths.leaf_values``)
    tree_split: NDArray[np.int64]      # tree t's allowed splits are tree_split[t]:tree_split[t+1]
    feature: NDArray[np.int64]         # per allowed split
    threshold: NDArray[np.float32]
    nan_left: NDArray[np.bool_]
    bit: NDArray[np.unsignedinteger]   # uint32 if every tree has ≤ 32 allowed splits, else uint64
    leaf_care: NDArray[np.unsignedinteger]  # per leaf
    leaf_want: NDArray[np.unsignedinteger]
    words: bool                        # every tree's allowed splits fit a 64-bit word: the block kernel applies

    @classmethod
    def build(cls, paths: Paths, allowed: NDArray[np.bool_]) -> MarginPlan:
        allowed = np.array(allowed, dtype=np.bool_)  # a copy: the caller's array may change after caching
        split, s_tree, bit, care, want = _plan_arrays(paths.tree_internal, paths.feature, paths.left, paths.right,
                                                      paths.tree_leaf, paths.leaf_slot, allowed, paths.slots)
        most = int(np.diff(s_tree).max(initial=0))
        word = np.uint32 if most <= 32 else np.uint64
        return cls(allowed=allowed, value=leaf_values(paths, allowed)[0], tree_split=s_tree,
                   feature=paths.feature[split], threshold=paths.threshold[split],
                   nan_left=paths.default_left[split], bit=bit.astype(word), leaf_care=care.astype(word),
                   leaf_want=want.astype(word), words=most <= 64)


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
        p, n = self.paths, len(rows)
        margin = np.full(n, float(self.trees.base_margin))
        if n < FEW_MARGIN_ROWS or not plan.words:
            _margin_rows(rows, p.tree_internal, p.feature, p.threshold, p.default_left, p.left, p.right, p.tree_leaf,
                         p.slots, plan.allowed, plan.value, margin)
        else:
            _margin_blocks(np.ascontiguousarray(rows.T), plan.tree_split, plan.feature, plan.threshold, plan.nan_left,
                           plan.bit, p.tree_leaf, plan.leaf_care, plan.leaf_want, plan.value, margin)
        return margin
