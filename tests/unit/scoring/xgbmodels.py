"""Small xgboost models trained in the tests, for checking our tree code against xgboost itself."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

XGBOOST_VERSION = "3.2.0"
"""The xgboost these golden tests compare with. Our evaluator copies its float32 rules, the JSON layout
(``base_score`` as ``'[v]'``) and the link functions of this release; on an upgrade, re-read
src/predictor/cpu_predictor.cc, treeshap.cc and learner.cc of the new one, then move this pin."""
PIN_MESSAGE = (f"saas.scoring.trees/treeshap were checked against xgboost {XGBOOST_VERSION}; re-check the new "
               "release's predictor, TreeSHAP and base_score rules, then update XGBOOST_VERSION")


def data(seed: int, rows: int = 300, features: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Few features so deep trees split on one feature several times; one discrete column (values equal
    to thresholds); NaNs so default directions are learned and used."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    X[:, 0] = np.round(X[:, 0] * 2) / 2
    X[rng.random(X.shape) < 0.1] = np.nan
    x = np.nan_to_num(X)
    y = np.sin(2 * x[:, 0]) + x[:, 1] ** 2 + x[:, 2:] @ (0.8 / np.arange(1, features - 1)) + 0.3 * x[:, 0] * x[:, -1]
    y += rng.normal(scale=0.1, size=rows)
    return X, y


def train(objective: str, depth: int, seed: int, rounds: int = 8, features: int = 3,
          **params: object) -> tuple[xgb.Booster, np.ndarray]:
    """A booster for ``objective`` and rows (another draw than the training ones) to evaluate it on."""
    X, y = data(seed, features=features)
    if objective in {"count:poisson", "reg:gamma", "reg:tweedie"}:
        y = np.exp(y / 2)
    elif objective in {"binary:logistic", "reg:logistic"}:
        y = (y > np.median(y)).astype(np.float64)
    booster = xgb.train({"objective": objective, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": seed,
                         "tree_method": "hist", **params}, xgb.DMatrix(X, label=y), num_boost_round=rounds)
    return booster, data(seed + 1000, rows=200, features=features)[0]


def _dmatrix(booster: xgb.Booster, X: np.ndarray) -> xgb.DMatrix:
    return xgb.DMatrix(X, feature_names=booster.feature_names, nthread=1)


def contribs(booster: xgb.Booster, X: np.ndarray) -> np.ndarray:
    """xgboost's TreeSHAP, as float64 (it computes in float32)."""
    return np.asarray(booster.predict(_dmatrix(booster, X), pred_contribs=True), dtype=np.float64)


def margin(booster: xgb.Booster, X: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(_dmatrix(booster, X), output_margin=True))
