"""Marginalised margins without contributions: the same float64 leaf values, added in the same order
as ``saas.scoring.treeshap``'s contribution kernels add them (so the margin is the same bit for bit),
without their bitmasks and per-leaf table work.

Few rows walk each tree depth first, following the row at an allowed split and taking both children
at a disallowed one. More rows go in blocks: per tree, one vectorised pass per allowed split sets a
bit of the row's 32- or 64-bit word (disallowed splits cost nothing), then one masked add per leaf
(a tree with more than 64 allowed splits takes the walk). Monthly scoring marginalises every driver
of a state that forbids an input, which is why this path has kernels of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from saas.scoring.treepaths import Paths, leaf_values

MARGIN_BLOCK = 1024
"""Rows per block in the batch margin kernel: its words, margins and rows stay in L1 (measured: 256 to 4096
within noise of each other, 1024 a little ahead)."""
FEW_MARGIN_ROWS = 4
"""Below this many rows the depth-first margin kernel is faster than the blocks (measured on fresh rows,
the walk mispredicting as it would in use: equal at ~3 rows, ~8 for a mask of a rarely split feature)."""


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


def margins(paths: Paths, plan: MarginPlan, rows: NDArray[np.float32], base_margin: float) -> NDArray[np.float64]:
    """The marginalised margin of the rows (float32, as the trees compare) under ``plan``'s mask."""
    p, n = paths, len(rows)
    margin = np.full(n, base_margin)
    if n < FEW_MARGIN_ROWS or not plan.words:
        _margin_rows(rows, p.tree_internal, p.feature, p.threshold, p.default_left, p.left, p.right, p.tree_leaf,
                     p.slots, plan.allowed, plan.value, margin)
    else:
        _margin_blocks(np.ascontiguousarray(rows.T), plan.tree_split, plan.feature, plan.threshold, plan.nan_left,
                       plan.bit, p.tree_leaf, plan.leaf_care, plan.leaf_want, plan.value, margin)
    return margin
