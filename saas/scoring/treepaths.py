"""Root-to-leaf paths of a tree ensemble and the per-leaf tables that make TreeSHAP a lookup.

The game (path-dependent TreeSHAP, Lundberg et al. 2020, xgboost's ``pred_contribs``): for a coalition S
of known features, v(S)(x) walks each tree; at a split on a feature in S it follows x, otherwise it takes
both children weighted by cover (``sum_hessian``). Take one leaf with value v. P is the set of distinct
features on its root path: a feature split on twice is one element with its conditions intersected, as
in GPUTreeShap. z_i is the product of the cover ratios child/parent over the path's edges on feature i,
and o_i = 1 iff x follows every one of those edges (a NaN follows an edge iff it is the default one).
Then v_leaf(S) = v · Π_{i∈S∩P} o_i · Π_{i∈P∖S} z_i; features off the path are null players, so with
k = |P|, W(s) = s!(k−1−s)!/k! and B = {i : o_i = 1} (the row's bitmask b over the path's elements):

    φ_j = v (o_j − z_j) Σ_{S⊆P∖j} W(|S|) Π_{i∈S} o_i Π_{i∈P∖j∖S} z_i = v (o_j − z_j) Q(B∖j) R(B∪j)
    Q(C) = Σ_{S⊆C} W(|S|) Π_{i∈C∖S} z_i = Σ_s W(s) e_{|C|−s}(z_C)        R(D) = Π_{i∈P∖D} z_i

with e the elementary symmetric polynomials. φ depends on x only through b, so each leaf gets a table of
2^k × k contributions at load (the FastTreeSHAP v2 idea; 2.8 MB of float64 for the shipped model) and a
row costs one bitmask per leaf plus k additions. Q and R are sums and products of positive terms, so
float64 tables are exact to ~1e-16 relative; xgboost's float32 recursion agrees with them to ~4e-7 on
the shipped model. float32 tables would save 13% of a one-row call (62 vs 71 µs), nothing in batch,
and cost that exactness, so the tables are float64.

Marginalising a set D of features out ("not allowed"): the model becomes g(x) = v(N∖D)(x), the
cover-weighted expectation over D (at a split on a feature of D take both children by cover), so g never
reads a feature of D. g's own path-dependent game is v_g(S) = v(S∖D): f's game restricted to the allowed
players A, in which the players of D are null. Per leaf that is again a product game, on P' = P∩A with
value v' = v · Π_{i∈P∩D} z_i: its table uses W with k' = |P'| and ignores the bits of D, and D's entries
are 0. Hence D's contributions are exactly 0.0, the bias is unchanged (v_g(∅) = v(∅)), the others are the
exact TreeSHAP values of g, and bias + Σφ = g(x) by efficiency. A leaf adds v' to g(x) iff every allowed
element holds. With A = all features this is plain TreeSHAP, so one builder serves both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from saas.errors import ModelError
from saas.scoring.trees import Trees

MAX_TABLE_ENTRIES = 1 << 24
"""Σ k·2^k over leaves above which tables are refused (128 MB): a model far deeper than ours."""


@dataclass(frozen=True, eq=False)
class Paths:
    """The kernels' layout. Per tree, slots number its internal nodes in preorder (root = slot 0), then
    its leaves; a slot holds the row's bitmask at that node. Elements of a leaf are in path order."""

    tree_internal: NDArray[np.int64]  # tree t's internal nodes are tree_internal[t]:tree_internal[t+1]
    feature: NDArray[np.int64]        # per internal node
    threshold: NDArray[np.float32]
    default_left: NDArray[np.bool_]
    bit: NDArray[np.int64]            # 1 << position of the node's feature among its path's elements
    left: NDArray[np.int64]           # slot of the left child
    right: NDArray[np.int64]
    tree_leaf: NDArray[np.int64]      # tree t's leaves are tree_leaf[t]:tree_leaf[t+1]
    leaf_slot: NDArray[np.int64]
    leaf_value: NDArray[np.float64]
    leaf_k: NDArray[np.int64]         # number of elements (distinct features on the path)
    elem_start: NDArray[np.int64]
    elem_feature: NDArray[np.int64]
    elem_z: NDArray[np.float64]
    table_start: NDArray[np.int64]    # leaf → its 2^k × k entries, row b = the bitmask
    slots: int                        # most slots in one tree

    @classmethod
    def of(cls, trees: Trees) -> Paths:
        cover, left, right, feature = (a.tolist() for a in (trees.cover, trees.left, trees.right, trees.feature))
        internal: list[int] = []
        bits: list[int] = []
        slot_of: list[int] = [0] * len(cover)
        leaves: list[tuple[int, tuple[int, ...], tuple[float, ...]]] = []
        tree_internal, tree_leaf = [0], [0]
        for first, last in zip(trees.tree_start[:-1].tolist(), trees.tree_start[1:].tolist(), strict=True):
            path: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {first: ((), ())}
            inner = [n for n in range(first, last) if left[n] >= 0]
            outer = [n for n in range(first, last) if left[n] < 0]
            for number, node in enumerate(inner + outer):
                slot_of[node] = number
            for node in range(first, last):  # preorder: a node's path is known before its children's
                features, zs = path.pop(node)
                if left[node] < 0:
                    leaves.append((node, features, zs))
                    continue
                f = feature[node]
                pos = features.index(f) if f in features else len(features)
                bits.append(1 << pos)
                if cover[node] <= 0:
                    raise ModelError(f"node {node} has no cover: its children have no path-dependent weight")
                for child in (left[node], right[node]):
                    z = cover[child] / cover[node]
                    path[child] = ((features, (*zs[:pos], zs[pos] * z, *zs[pos + 1:])) if pos < len(features)
                                   else ((*features, f), (*zs, z)))
            internal += inner
            tree_internal.append(len(internal))
            tree_leaf.append(len(leaves))
        k = np.array([len(fs) for _, fs, _ in leaves], dtype=np.int64)
        sizes = k << k
        if int(sizes.sum()) > MAX_TABLE_ENTRIES:
            raise ModelError(f"TreeSHAP tables would hold {int(sizes.sum())} entries, over {MAX_TABLE_ENTRIES}")
        nodes, leaf_nodes = np.asarray(internal, dtype=np.int64), np.asarray([n for n, _, _ in leaves], dtype=np.int64)
        slot = np.asarray(slot_of, dtype=np.int64)

        def starts(counts: NDArray[np.int64]) -> NDArray[np.int64]:
            return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)

        return cls(tree_internal=np.asarray(tree_internal, dtype=np.int64),
                   feature=trees.feature[nodes].astype(np.int64), threshold=trees.threshold[nodes],
                   default_left=trees.default_left[nodes],
                   bit=np.asarray(bits, dtype=np.int64), left=slot[trees.left[nodes]], right=slot[trees.right[nodes]],
                   tree_leaf=np.asarray(tree_leaf, dtype=np.int64), leaf_slot=slot[leaf_nodes],
                   leaf_value=trees.value[leaf_nodes].astype(np.float64), leaf_k=k, elem_start=starts(k),
                   elem_feature=np.asarray([f for _, fs, _ in leaves for f in fs], dtype=np.int64),
                   elem_z=np.asarray([z for _, _, zs in leaves for z in zs], dtype=np.float64),
                   table_start=starts(sizes), slots=int(np.diff(trees.tree_start).max(initial=1)))

    def mean(self) -> float:
        """v(∅) without the base margin: Σ over leaves of v Π z, i.e. each tree's cover-weighted mean."""
        prod = np.ones(len(self.leaf_k))
        np.multiply.at(prod, np.repeat(np.arange(len(self.leaf_k)), self.leaf_k), self.elem_z)
        return float(np.sum(self.leaf_value * prod))


@dataclass(frozen=True, eq=False)
class Tables:
    """For one allowed mask: each leaf's contributions by bitmask, v' and the bits of its allowed elements."""

    table: NDArray[np.float64]
    value: NDArray[np.float64]
    allowed_bits: NDArray[np.int64]

    @classmethod
    def build(cls, paths: Paths, allowed: NDArray[np.bool_]) -> Tables:
        """Vectorised over the leaves with the same k: a few ms per mask, and no compile at load."""
        value, bits = leaf_values(paths, allowed)
        depth = int(paths.leaf_k.max(initial=0))
        weights = np.zeros((depth + 1, depth + 2))  # weights[k, s] = s!(k−1−s)!/k!, zero for s ≥ k and s = −1
        for k in range(1, depth + 1):
            for s in range(k):
                weights[k, s] = math.factorial(s) * math.factorial(k - 1 - s) / math.factorial(k)
        table = np.zeros(int(np.sum(paths.leaf_k << paths.leaf_k)))
        for k in range(depth + 1):
            leaves = np.flatnonzero(paths.leaf_k == k)
            if len(leaves) == 0:
                continue
            elems = paths.elem_start[leaves][:, None] + np.arange(k)
            z, ok, v = paths.elem_z[elems], allowed[paths.elem_feature[elems]], value[leaves]  # (L, k), (L,)
            code = np.arange(1 << k)
            inside = (code[:, None] >> np.arange(k) & 1).astype(np.bool_)  # (2^k, k): element i in C
            member = ok[:, None, :] & inside  # allowed elements in C: (L, 2^k, k)
            r = np.prod(np.where(ok[:, None, :] & ~inside, z[:, None, :], 1.0), axis=2)
            e = np.zeros((len(leaves), 1 << k, k + 1))
            e[..., 0] = 1.0
            for i in range(k):  # elementary symmetric polynomials of the allowed z in C
                e[..., 1:] = e[..., 1:] + np.where(member[..., i:i + 1], z[:, None, i:i + 1], 0.0) * e[..., :-1]
            m = member.sum(axis=2)  # |C ∩ A|; Q = Σ_d e_d · W(m − d)
            s = np.clip(m[..., None] - np.arange(k + 1), -1, depth)
            q = np.sum(e * weights[ok.sum(axis=1)[:, None, None], s], axis=2)
            for j in range(k):
                coef = np.where(inside[:, j], (v * (1.0 - z[:, j]))[:, None], (-v * z[:, j])[:, None]) * ok[:, j:j + 1]
                entry = coef * q[:, code & ~(1 << j)] * r[:, code | (1 << j)]  # (L, 2^k)
                table[paths.table_start[leaves][:, None] + code * k + j] = entry
        return cls(table=table, value=value, allowed_bits=bits)


def leaf_values(paths: Paths, allowed: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per leaf, for one allowed mask: v' = v · Π z over its disallowed elements (what the leaf adds to the
    marginalised margin when every allowed element holds) and the bits of its allowed elements. Alone
    (without the tables) for the margin-only kernel; one definition, so both add the same float64 values."""
    value, bits = np.zeros(len(paths.leaf_k)), np.zeros(len(paths.leaf_k), dtype=np.int64)
    for k in range(int(paths.leaf_k.max(initial=0)) + 1):
        leaves = np.flatnonzero(paths.leaf_k == k)
        if len(leaves) == 0:
            continue
        elems = paths.elem_start[leaves][:, None] + np.arange(k)
        z, ok = paths.elem_z[elems], allowed[paths.elem_feature[elems]]  # (L, k)
        value[leaves] = paths.leaf_value[leaves] * np.prod(np.where(ok, 1.0, z), axis=1)
        bits[leaves] = np.sum(ok << np.arange(k), axis=1)
    return value, bits
