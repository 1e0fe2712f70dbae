"""Claim-frequency path: XGBoost ``count:poisson`` with exposure, against a Poisson GLM baseline.

Counts are modelled as Poisson with mean λ(x)·exposure, so log(exposure) enters as the base margin
and the booster learns log λ. The GLM baseline (scikit-learn ``PoissonRegressor``) is fitted on the
same rows as the frequency ``counts / exposure`` weighted by exposure, the equivalent form. An
isotonic map, fitted on a slice of the training rows the trees never saw, calibrates predicted
frequencies; every model is reported on the same held-out rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from msgspec import Struct, structs
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import PoissonRegressor
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ml import artifacts
from ml.fremtpl import poisson_deviance
from ml.train import ProgressPrinter, apply_preprocess, build_meta, fit_preprocess

POISSON_PARAMS: dict[str, object] = {
    "objective": "count:poisson",
    "eval_metric": "poisson-nloglik",
    "tree_method": "hist",
    "eta": 0.05,
    "max_depth": 5,
    "min_child_weight": 50,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "max_delta_step": 0.7,
    "nthread": 1,
    "seed": 42,
    "base_score": 1.0,
}
"""Defaults for claim counts: min_child_weight is a sum of Poisson hessians (expected claims), so
50 means a leaf must carry about 50 expected claims; max_delta_step 0.7 is xgboost's Poisson default.
Training replaces base_score with the log-exposure margin; base_score 1 (log 1 = 0) makes a
prediction without a margin the frequency per unit of exposure, which is what serving returns.
One thread by default (small data; see ml.train.DEFAULT_PARAMS); the benchmark asks for two."""
EARLY_STOPPING_ROUNDS = 50


class ModelReport(Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    deviance: float
    """Mean Poisson deviance of predicted counts over policies, unweighted (the Noll et al. metric)."""
    gini: float
    """Exposure-weighted Gini of the frequency ordering, divided by the Gini of a perfect ordering."""
    actual_to_expected: list[float | None]
    """Actual / expected claims in ten bins of predicted frequency holding equal exposure."""


def poisson_dmatrix(X: pd.DataFrame, counts: np.ndarray, exposure: np.ndarray) -> xgb.DMatrix:
    categorical = any(isinstance(t, pd.CategoricalDtype) for t in X.dtypes)
    return xgb.DMatrix(X, label=counts, base_margin=np.log(exposure), enable_categorical=categorical)


def fit_poisson_booster(train: xgb.DMatrix, stop: xgb.DMatrix, params: Mapping[str, object] | None = None, *,
                        rounds: int = 3000, callbacks: list[xgb.callback.TrainingCallback] | None = None
                        ) -> xgb.Booster:
    """Boost until the early-stopping slice stops improving; return the booster cut at its best round."""
    booster = xgb.train({**POISSON_PARAMS, **(params or {})}, train, rounds, evals=[(stop, "stop")],
                        early_stopping_rounds=EARLY_STOPPING_ROUNDS, verbose_eval=False, callbacks=callbacks)
    return booster[: booster.best_iteration + 1]


def fit_glm(design: np.ndarray, counts: np.ndarray, exposure: np.ndarray, alpha: float = 0.0) -> PoissonRegressor:
    """Unpenalised by default (``alpha=0``), as the GLM1 of the literature. BLAS is held to one
    thread: on a shared 2-core machine a multi-threaded Newton step ran 6x slower (47 s vs 8 s)."""
    glm = PoissonRegressor(alpha=alpha, solver="newton-cholesky", max_iter=300, tol=1e-10)
    with threadpool_limits(1):
        return glm.fit(design, counts / exposure, sample_weight=exposure)


def _tie_groups(frequency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct predictions and each row's group: rows with equal predictions cannot be
    ordered, so they are kept together (a constant model has one group and no ordering at all)."""
    return np.unique(frequency, return_inverse=True)


def normalised_gini(counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray) -> float:
    """Lorenz curve of claims against exposure ordered by predicted frequency (safest first), ties
    as one straight segment; divided by the Gini of ordering by the observed frequency."""

    def gini(order_by: np.ndarray) -> float:
        _, group = _tie_groups(order_by)
        cum_exposure = np.concatenate([[0.0], np.cumsum(np.bincount(group, weights=exposure))]) / exposure.sum()
        cum_claims = np.concatenate([[0.0], np.cumsum(np.bincount(group, weights=counts))]) / counts.sum()
        return round(float(1 - 2 * np.trapezoid(cum_claims, cum_exposure)), 12) + 0.0  # no -0.0 in reports

    perfect = gini(counts / exposure)
    return gini(frequency) / perfect if perfect else 0.0


def ae_by_decile(counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray,
                 bins: int = 10) -> list[float | None]:
    """Actual / expected claims per tenth of exposure by predicted frequency; tied predictions go
    to the bin of their group's middle, so a bin can be empty (None)."""
    _, group = _tie_groups(frequency)
    group_exposure = np.bincount(group, weights=exposure)
    middle = (np.cumsum(group_exposure) - group_exposure / 2) / exposure.sum()
    decile = np.minimum((middle * bins).astype(int), bins - 1)[group]
    expected = np.bincount(decile, weights=frequency * exposure, minlength=bins)
    actual = np.bincount(decile, weights=counts, minlength=bins)
    return [round(float(a / e), 4) if e > 0 else None for a, e in zip(actual, expected, strict=True)]


def evaluate(name: str, counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray) -> ModelReport:
    return ModelReport(name=name, deviance=poisson_deviance(counts, frequency * exposure),
                       gini=normalised_gini(counts, frequency, exposure),
                       actual_to_expected=ae_by_decile(counts, frequency, exposure))


def fit_isotonic(frequency: np.ndarray, counts: np.ndarray, exposure: np.ndarray) -> IsotonicRegression:
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True, y_min=1e-6)
    return iso.fit(frequency, counts / exposure, sample_weight=exposure)


def compare(counts: np.ndarray, exposure: np.ndarray, predictions: Mapping[str, np.ndarray],
            log: Callable[[str], None] = print) -> list[ModelReport]:
    """Report every named frequency prediction on the same rows, printed side by side."""
    reports = [evaluate(name, counts, freq, exposure) for name, freq in predictions.items()]
    for r in reports:
        log(f"  {r.name:<28} deviance {r.deviance:.6f}  gini {r.gini:.4f}  A/E {r.actual_to_expected}")
    return reports


class FrequencyResult(Struct, forbid_unknown_fields=True, frozen=True):
    version: str
    best_iteration: int
    features: list[str]
    reports: list[ModelReport]


def numeric_features(frame: pd.DataFrame, exclude: set[str]) -> list[str]:
    """Numeric columns other than target, exposure and ids: the inputs a float-only server can take."""
    return [c for c in frame.columns if c not in exclude and pd.api.types.is_numeric_dtype(frame[c])]


def train_frequency_model(frame: pd.DataFrame, model_dir: Path, *, target_column: str, exposure_column: str,
                          seed: int = 42, params: Mapping[str, object] | None = None,
                          progress: Callable[[str], None] = print) -> FrequencyResult:
    """80/20 split; the 80 loses a 10% slice for early stopping and calibration; report on the 20."""
    features = numeric_features(frame, {target_column, exposure_column, "IDpol", "driver_type", "noise_free_risk"})
    raw = frame[features].to_numpy(np.float64)
    counts, exposure = frame[target_column].to_numpy(np.float64), frame[exposure_column].to_numpy(np.float64)
    idx_train, idx_test = train_test_split(np.arange(len(frame)), test_size=0.2, random_state=seed)
    idx_fit, idx_stop = train_test_split(idx_train, test_size=0.1, random_state=seed)
    pre = fit_preprocess(raw[idx_fit], features)
    X = apply_preprocess(pre, raw)

    def dm(idx: np.ndarray) -> xgb.DMatrix:
        return poisson_dmatrix(pd.DataFrame(X[idx], columns=features), counts[idx], exposure[idx])

    progress(f"count:poisson on {len(idx_fit)} rows ({len(idx_stop)} for early stopping), features {features}")
    booster = fit_poisson_booster(dm(idx_fit), dm(idx_stop), {**(params or {}), "seed": seed},
                                  callbacks=[ProgressPrinter(progress, 3000, every=100)])
    freq = np.asarray(booster.inplace_predict(X), dtype=np.float64)
    iso = fit_isotonic(freq[idx_stop], counts[idx_stop], exposure[idx_stop])
    glm = fit_glm(X[idx_fit], counts[idx_fit], exposure[idx_fit])
    homogeneous = counts[idx_fit].sum() / exposure[idx_fit].sum()
    t = idx_test
    reports = compare(counts[t], exposure[t], {
        "homogeneous": np.full(len(t), homogeneous), "poisson GLM (scikit-learn)": glm.predict(X[t]),
        "xgboost count:poisson": freq[t], "xgboost + isotonic": iso.predict(freq[t])}, progress)
    meta = build_meta(booster, X[idx_fit], raw[idx_fit], counts[idx_fit], features, "count:poisson")
    meta = structs.replace(meta, baseline_risk=float(homogeneous))
    metrics: dict[str, object] = {"test_rows": len(t), "best_iteration": booster.num_boosted_rounds(), "seed": seed,
                                  "test": [structs.asdict(r) for r in reports]}
    calibration = artifacts.Calibration(x=[float(v) for v in iso.X_thresholds_],
                                        y=[float(v) for v in iso.y_thresholds_])
    version = artifacts.write_artifacts(model_dir, booster, pre, meta, metrics, calibration)
    progress(f"stopped at round {booster.num_boosted_rounds()}; model version {version}")
    return FrequencyResult(version=version, best_iteration=booster.num_boosted_rounds(), features=features,
                           reports=reports)
