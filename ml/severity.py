"""Claim severity: XGBoost ``reg:gamma`` on each policy's average claim amount.

A policy's label is its claim amount over its claim count, weighted by that count, so every claim
weighs the same. The gamma family (log link) suits amounts whose spread grows with their size; a
gamma GLM with the same log link (scikit-learn ``GammaRegressor``) is the baseline and the metric
is the claim-weighted mean gamma deviance on held-out policies. Policies without a claim, or with a
count but no amount (or the reverse), say nothing about severity and are left out. Frequency ×
severity is the pure premium (``ml.premium``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from msgspec import structs
from sklearn.linear_model import GammaRegressor
from sklearn.metrics import mean_gamma_deviance
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ml import artifacts
from ml.data import holdout_split
from ml.features import prepare_inputs
from ml.frequency import NOT_FEATURES
from ml.train import ProgressPrinter, build_meta

GAMMA_PARAMS: dict[str, object] = {
    "objective": "reg:gamma",
    "eval_metric": "gamma-deviance",
    "tree_method": "hist",
    "eta": 0.05,
    "max_depth": 3,
    "min_child_weight": 20,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "nthread": 1,
    "seed": 42,
}
"""Shallow trees and a leaf minimum of about 20 claims (a gamma-deviance hessian is ~1 per unit of
weight): claim amounts are far noisier than claim counts. ``base_score`` is set to the weighted mean
severity of the fitting rows, so boosting starts from the homogeneous model."""
ROUNDS, EARLY_STOPPING_ROUNDS = 2000, 50


def severity_dmatrix(X: pd.DataFrame, severity: np.ndarray, claims: np.ndarray) -> xgb.DMatrix:
    categorical = any(isinstance(t, pd.CategoricalDtype) for t in X.dtypes)
    return xgb.DMatrix(X, label=severity, weight=claims, enable_categorical=categorical)


def fit_gamma_glm(design: np.ndarray, severity: np.ndarray, claims: np.ndarray) -> GammaRegressor:
    """A tiny ridge (1e-6) keeps rare dummy columns from diverging; one BLAS thread (see fit_glm)."""
    glm = GammaRegressor(alpha=1e-6, solver="newton-cholesky", max_iter=300)
    with threadpool_limits(1):
        return glm.fit(design, severity, sample_weight=claims)


def train_severity_model(frame: pd.DataFrame, model_dir: Path, *, amount_column: str, count_column: str,
                         seed: int = 42, params: Mapping[str, object] | None = None, test_rows: Path | None = None,
                         exclude: Sequence[str] = (), progress: Callable[[str], None] = print) -> dict[str, object]:
    """Same held-out policies as the frequency path; learning policies with claims lose 10% to early
    stopping. Returns the metrics written to ``metrics.json``."""
    amount, claims = frame[amount_column].to_numpy(np.float64), frame[count_column].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        severity = np.where((claims > 0) & (amount > 0), amount / claims, np.nan)
    learn, test = (idx[np.isfinite(severity[idx])] for idx in holdout_split(len(frame), test_rows, seed))
    fit, stop = train_test_split(learn, test_size=0.1, random_state=seed)
    inputs = prepare_inputs(frame, {amount_column, count_column, *NOT_FEATURES, *exclude}, fit)
    mean_severity = float(np.average(severity[fit], weights=claims[fit]))

    def dm(idx: np.ndarray) -> xgb.DMatrix:
        return severity_dmatrix(inputs.trees(idx), severity[idx], claims[idx])

    progress(f"reg:gamma on {len(fit)} policies with claims ({len(stop)} for early stopping), "
             f"features {inputs.names}")
    booster = xgb.train({**GAMMA_PARAMS, "base_score": mean_severity, **(params or {}), "seed": seed}, dm(fit),
                        ROUNDS, evals=[(dm(stop), "stop")], early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                        verbose_eval=False, callbacks=[ProgressPrinter(progress, ROUNDS, every=100)])
    booster = booster[: booster.best_iteration + 1]
    design = inputs.glm()
    glm = fit_gamma_glm(design[fit], severity[fit], claims[fit])
    predictions = {"homogeneous": np.full(len(test), mean_severity),
                   "gamma GLM (scikit-learn)": glm.predict(design[test]),
                   "xgboost reg:gamma": np.asarray(booster.inplace_predict(inputs.X[test]), dtype=np.float64)}
    test_deviance = {name: float(mean_gamma_deviance(severity[test], pred, sample_weight=claims[test]))
                     for name, pred in predictions.items()}
    for name, dev in test_deviance.items():
        mean = np.average(predictions[name], weights=claims[test])
        progress(f"  {name:<28} gamma deviance {dev:.6f}  mean severity {mean:.2f}")
    meta = build_meta(booster, inputs.X[fit], inputs.raw[fit], severity[fit], inputs.names, "reg:gamma")
    meta = structs.replace(meta, baseline_risk=mean_severity)
    metrics: dict[str, object] = {"test_policies": len(test), "test_claims": float(claims[test].sum()),
                                  "best_iteration": booster.num_boosted_rounds(), "seed": seed,
                                  "test_gamma_deviance": test_deviance,
                                  "test_mean_severity": float(np.average(severity[test], weights=claims[test]))}
    version = artifacts.write_artifacts(model_dir, booster, inputs.pre, meta, metrics)
    progress(f"stopped at round {booster.num_boosted_rounds()}; model version {version}")
    return metrics
