"""An xgboost tree ensemble read from its JSON model into flat arrays, evaluated exactly without xgboost.

Why: a one-row xgboost call costs ~0.1 ms of fixed overhead (0.6 ms with ``pred_contribs``), and the
explanation and marginalisation code (``saas.scoring.treeshap``) needs the trees as arrays anyway.
The rules below are xgboost 3.x's (src/predictor/cpu_predictor.cc, predict_fn.h, learner.cc), so the
margin equals ``booster.predict(output_margin=True)`` / ``inplace_predict`` bit for bit:

* features are float32: a row goes left iff ``float32(x) < threshold`` (threshold is a float32), and a
  NaN goes to the node's default child;
* the margin is accumulated in float32, starting from the base margin, adding tree 0, 1, ... in order;
* ``learner_model_param.base_score`` is stored in output space; the base margin is the objective's
  link of it in float32 (identity, log for count:poisson / reg:gamma / reg:tweedie, logit for logistic);
* all trees are used, as ``Booster.predict`` / ``inplace_predict`` do with the default iteration range
  (``best_iteration`` only matters to the sklearn wrapper; our training slices the booster at it).

Nodes are stored in preorder per tree (a parent before its children), which the TreeSHAP kernel uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec
import numpy as np
from numba import njit
from numpy.typing import NDArray

from saas.errors import ModelError

if TYPE_CHECKING:
    import xgboost as xgb

Link = Literal["identity", "log", "logit"]
LINKS: dict[str, Link] = {
    "reg:squarederror": "identity", "reg:squaredlogerror": "identity", "reg:pseudohubererror": "identity",
    "reg:absoluteerror": "identity", "binary:logitraw": "identity",
    "count:poisson": "log", "reg:gamma": "log", "reg:tweedie": "log",
    "reg:logistic": "logit", "binary:logistic": "logit",
}
"""Objective → link between output and margin (xgboost's ``ProbToMargin``; ``PredTransform`` inverts it)."""


class _TreeJson(msgspec.Struct):
    left_children: list[int]
    right_children: list[int]
    split_indices: list[int]
    split_conditions: list[float]
    default_left: list[int | bool]
    sum_hessian: list[float]
    split_type: list[int] = []


def _base_score(text: str) -> float:
    """``'[5.966161E-1]'`` (xgboost ≥ 3.1, one value per target) or ``'5.966161E-1'`` (older)."""
    values = text.strip("[]").split(",")
    if len(values) != 1:
        raise ModelError(f"expected one base_score, got {text!r} (multi-target models are not supported)")
    return float(values[0])


_COLUMNS = ("feature", "threshold", "left", "right", "default_left", "value", "cover")


def _preorder(tree: _TreeJson, offset: int) -> dict[str, list[float]]:
    """One tree's columns over the nodes reachable from its root in preorder (left subtree first), children
    as global node numbers (``offset`` is the root's), -1 at leaves; a leaf's value is its split condition."""
    order, stack = [], [0]
    while stack:
        node = stack.pop()
        order.append(node)
        if tree.left_children[node] != -1:
            stack += [tree.right_children[node], tree.left_children[node]]
    new = {old: offset + i for i, old in enumerate(order)}
    columns: dict[str, list[float]] = {name: [] for name in _COLUMNS}
    for node in order:
        leaf = tree.left_children[node] == -1
        columns["feature"].append(-1 if leaf else tree.split_indices[node])
        columns["threshold"].append(0.0 if leaf else tree.split_conditions[node])
        columns["value"].append(tree.split_conditions[node] if leaf else 0.0)
        columns["left"].append(-1 if leaf else new[tree.left_children[node]])
        columns["right"].append(-1 if leaf else new[tree.right_children[node]])
        columns["default_left"].append(int(tree.default_left[node]))
        columns["cover"].append(tree.sum_hessian[node])
    return columns


@dataclass(frozen=True, eq=False)
class Trees:
    """The ensemble as arrays over all nodes (preorder per tree); ``tree_start[t]`` is tree t's root."""

    objective: str
    n_features: int
    base_score: float
    base_margin: np.float32
    tree_start: NDArray[np.int64]
    feature: NDArray[np.int32]
    threshold: NDArray[np.float32]
    left: NDArray[np.int32]
    right: NDArray[np.int32]
    default_left: NDArray[np.bool_]
    value: NDArray[np.float32]
    cover: NDArray[np.float64]

    @classmethod
    def from_json(cls, raw: bytes | bytearray | str) -> Trees:
        """Parse ``booster.save_raw("json")`` or the bytes of a saved ``.json`` model."""
        doc = msgspec.json.decode(raw)
        learner = doc["learner"]
        objective, booster = learner["objective"]["name"], learner["gradient_booster"]
        if objective not in LINKS:
            raise ModelError(f"objective {objective!r} is not supported (known: {', '.join(sorted(LINKS))})")
        if booster["name"] != "gbtree":
            raise ModelError(f"booster {booster['name']!r} is not supported, only gbtree")
        params = learner["learner_model_param"]
        if int(params.get("num_class", "0")) > 1 or int(params.get("num_target", "1")) != 1:
            raise ModelError("multi-class and multi-target models are not supported")
        trees = msgspec.convert(booster["model"]["trees"], list[_TreeJson])
        columns: dict[str, list[float]] = {name: [] for name in _COLUMNS}
        tree_start = [0]
        for tree in trees:
            if any(tree.split_type):
                raise ModelError("categorical splits are not supported")
            for name, values in _preorder(tree, tree_start[-1]).items():
                columns[name] += values
            tree_start.append(len(columns["cover"]))
        base_score = _base_score(params["base_score"])
        return cls(
            objective=objective, n_features=int(params["num_feature"]), base_score=base_score,
            base_margin=_link(LINKS[objective], np.float32(base_score)),
            tree_start=np.asarray(tree_start, dtype=np.int64),
            feature=np.asarray(columns["feature"], dtype=np.int32),
            threshold=np.asarray(columns["threshold"], dtype=np.float32),
            left=np.asarray(columns["left"], dtype=np.int32), right=np.asarray(columns["right"], dtype=np.int32),
            default_left=np.asarray(columns["default_left"], dtype=np.bool_),
            value=np.asarray(columns["value"], dtype=np.float32),
            cover=np.asarray(columns["cover"], dtype=np.float32).astype(np.float64),
        )

    @classmethod
    def from_booster(cls, booster: xgb.Booster) -> Trees:
        return cls.from_json(booster.save_raw("json"))

    @property
    def n_trees(self) -> int:
        return len(self.tree_start) - 1

    def rows(self, X: np.ndarray) -> NDArray[np.float32]:
        """The float32 matrix xgboost sees (its DMatrix / inplace_predict cast), C-contiguous."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ModelError(f"expected a (n, {self.n_features}) matrix, got shape {X.shape}")
        return np.ascontiguousarray(X, dtype=np.float32)

    def predict_margin(self, X: np.ndarray) -> NDArray[np.float64]:
        """Exactly ``booster.predict(DMatrix(X), output_margin=True)`` (float32 values as float64)."""
        out = np.full(len(X), self.base_margin, dtype=np.float32)
        _margins(self.rows(X), self.tree_start, self.feature, self.threshold, self.left, self.right,
                 self.default_left, self.value, out)
        return out.astype(np.float64)

    def predict(self, X: np.ndarray) -> NDArray[np.float64]:
        """``booster.inplace_predict(X)``: the margin through the objective's inverse link."""
        return output(self.objective, self.predict_margin(X))


def _link(link: Link, base_score: np.float32) -> np.float32:
    if link == "log":
        return np.float32(np.log(base_score))
    if link == "logit":
        return np.float32(-np.log(np.float32(1.0) / base_score - np.float32(1.0)))
    return base_score


def output(objective: str, margin: NDArray[np.float64]) -> NDArray[np.float64]:
    """Margin → prediction for ``objective`` (exp for log links, sigmoid for logit), in float64."""
    link = LINKS[objective]
    if link == "log":
        return np.exp(margin)
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-margin))
    return margin


@njit(cache=True, nogil=True)
def _margins(X: np.ndarray, tree_start: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
             left: np.ndarray, right: np.ndarray, default_left: np.ndarray, value: np.ndarray,
             out: np.ndarray) -> None:  # pragma: no cover - compiled
    """out[r] (float32, holding the base margin) += each tree's leaf value in tree order, as xgboost."""
    for t in range(len(tree_start) - 1):
        root = tree_start[t]
        for r in range(X.shape[0]):
            node = root
            while left[node] >= 0:
                x = X[r, feature[node]]
                go_left = default_left[node] if np.isnan(x) else x < threshold[node]
                node = left[node] if go_left else right[node]
            out[r] += value[node]
