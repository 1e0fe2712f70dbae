"""Training flow of the model documentation: split 80/20, median imputer + standard scaler,
XGBoost ``reg:squarederror`` with the documented defaults and early stopping on validation RMSE.

The fitted imputer and scaler are persisted as numbers (JSON), never as a pickled pipeline, so a
model directory can be read by any process without executing code from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import spearmanr
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml import artifacts
from ml.bayes import bayes_risk
from ml.synth import FEATURE_COLUMNS, TARGET_COLUMN, synthesize

DEFAULT_PARAMS: dict[str, object] = {
    "objective": "reg:squarederror",
    "eta": 0.08,
    "max_depth": 5,
    "subsample": 0.85,
    "colsample_bytree": 0.9,
    "lambda": 1.2,
    "alpha": 0.2,
    "seed": 42,
    "eval_metric": "rmse",
    "tree_method": "hist",
    "nthread": 1,
}
"""The documented default set (seed 001, 'Core XGBoost Parameters'), with the hist method. One
thread: on a few thousand rows threads only add synchronisation (25x slower on a busy 2-core
machine), and the result is the same booster either way."""
NUM_BOOST_ROUND = 400
EARLY_STOPPING_ROUNDS = 25
NOISE_FREE_COLUMN = "noise_free_risk"
FRESH_SEED = 5
"""Generator seed of the fresh sample: neither the shipped training (42) nor the mapping's
reference population (7) draws from it."""

Progress = Callable[[str], None]


class ProgressPrinter(xgb.callback.TrainingCallback):
    """Reports the validation metric every ``every`` rounds so a long training shows it is alive."""

    def __init__(self, progress: Progress, total: int, every: int = 25) -> None:
        self.progress, self.total, self.every = progress, total, every

    def after_iteration(self, model: xgb.Booster, epoch: int, evals_log: dict) -> bool:
        if epoch % self.every == 0 or epoch + 1 == self.total:
            last = {f"{d}-{m}": vals[-1] for d, ms in evals_log.items() for m, vals in ms.items()}
            shown = "  ".join(f"{k} {v:.5f}" for k, v in last.items())
            self.progress(f"  round {epoch + 1:>4}/{self.total}  {shown}")
        return False


@dataclass(frozen=True)
class TrainResult:
    version: str
    metrics: dict[str, object]
    best_iteration: int


def fit_preprocess(X: np.ndarray, feature_names: Sequence[str]) -> artifacts.Preprocess:
    """Fit the documented scikit-learn pipeline and keep only its numbers."""
    pipe = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]).fit(X)
    imputer: SimpleImputer = pipe.named_steps["impute"]
    scaler: StandardScaler = pipe.named_steps["scale"]
    return artifacts.Preprocess(
        feature_names=list(feature_names),
        medians=[float(v) for v in imputer.statistics_],
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) for v in scaler.scale_],
    )


def apply_preprocess(pre: artifacts.Preprocess, X: np.ndarray) -> np.ndarray:
    """The same arithmetic the serving path uses (saas.scoring.model.RiskModel.score)."""
    X = np.array(X, dtype=np.float64)
    medians = np.asarray(pre.medians, dtype=np.float64)  # a categorical feature's null median: NaN stays NaN
    X = np.where(np.isnan(X), medians, X)
    return (X - np.asarray(pre.means)) / np.asarray(pre.scales)


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    rmse = float(np.sqrt(np.mean((y - pred) ** 2)))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "rmse": rmse,
        "mae": float(np.mean(np.abs(y - pred))),
        "r2": float(1 - np.sum((y - pred) ** 2) / ss_tot) if ss_tot > 0 else 0.0,
        "spearman": float(spearmanr(y, pred).statistic),
    }


def synthetic_floors(valid: pd.DataFrame, y_valid: np.ndarray, rmse: float) -> dict[str, object]:
    """For the v3 generator's rows: the Bayes floor (the best any model of the seven inputs can do,
    ``ml.bayes``) and the oracle that also knows the archetype and the period (``noise_free_risk``),
    each as metrics on the validation rows and as the model's RMSE over theirs."""
    bayes = regression_metrics(y_valid, bayes_risk({c: valid[c].to_numpy() for c in FEATURE_COLUMNS}))
    oracle = regression_metrics(y_valid, valid[NOISE_FREE_COLUMN].to_numpy(np.float64))
    return {"bayes_floor": bayes, "rmse_vs_bayes_floor": rmse / bayes["rmse"],
            "oracle_with_archetype": oracle, "rmse_vs_oracle_with_archetype": rmse / oracle["rmse"]}


def fresh_sample_metrics(booster: xgb.Booster, pre: artifacts.Preprocess, rows: int,
                         seed: int = FRESH_SEED) -> dict[str, object]:
    """RMSE over the Bayes floor on ``rows`` new generator rows: the validation split is drawn with
    the training rows, so only a sample the training never saw says how far the model is from the
    best possible one (a 4,000-row split read 1.051 where 200,000 fresh rows read 1.072)."""
    fresh = synthesize(rows, seed=seed)
    y = fresh[TARGET_COLUMN].to_numpy(np.float64)
    pred = booster.inplace_predict(apply_preprocess(pre, fresh[list(FEATURE_COLUMNS)].to_numpy(np.float64)))
    rmse = float(np.sqrt(np.mean((y - pred) ** 2)))
    floor = float(np.sqrt(np.mean((y - bayes_risk({c: fresh[c].to_numpy() for c in FEATURE_COLUMNS})) ** 2)))
    return {"rows": rows, "seed": seed, "rmse": rmse, "bayes_floor_rmse": floor, "rmse_vs_bayes_floor": rmse / floor}


def build_meta(booster: xgb.Booster, X_train: np.ndarray, raw_train: np.ndarray, y_train: np.ndarray,
               feature_names: Sequence[str], objective: str) -> artifacts.Meta:
    """Baseline = mean training label (the documented 'baseline mean risk'); stats and sketch come
    from training predictions, the population the multiplier and percentiles are relative to."""
    pred = booster.inplace_predict(X_train)
    p5, p50, p95 = (float(v) for v in np.percentile(pred, [5, 50, 95]))
    return artifacts.Meta(
        baseline_risk=float(np.mean(y_train)),
        dist_stats=artifacts.DistStats(pred_p5=p5, pred_p50=p50, pred_p95=p95, pred_std=float(np.std(pred))),
        quantiles=artifacts.quantile_sketch(pred),
        feature_names=list(feature_names),
        objective=objective,
        feature_bins={n: artifacts.distribution_bins(raw_train[:, i]) for i, n in enumerate(feature_names)},
        score_bins=artifacts.distribution_bins(pred),
        training_rows=len(y_train),
    )


def train_risk_model(frame: pd.DataFrame, model_dir: Path, *, seed: int = 42, params: dict[str, object] | None = None,
                     feature_columns: Sequence[str] = FEATURE_COLUMNS, target_column: str = TARGET_COLUMN,
                     num_boost_round: int = NUM_BOOST_ROUND, fresh_rows: int = 0,
                     progress: Progress = print) -> TrainResult:
    """Train, evaluate on the 20% validation split (and, with ``fresh_rows``, on that many new
    generator rows) and write the artifacts to ``model_dir``."""
    cols = list(feature_columns)
    train, valid = train_test_split(frame, test_size=0.2, random_state=seed)
    raw_train, raw_valid = train[cols].to_numpy(np.float64), valid[cols].to_numpy(np.float64)
    y_train, y_valid = train[target_column].to_numpy(np.float64), valid[target_column].to_numpy(np.float64)
    pre = fit_preprocess(raw_train, cols)
    X_train, X_valid = apply_preprocess(pre, raw_train), apply_preprocess(pre, raw_valid)
    full_params = {**DEFAULT_PARAMS, **(params or {}), "seed": seed}
    dtrain = xgb.DMatrix(X_train, label=y_train, feature_names=cols)
    dvalid = xgb.DMatrix(X_valid, label=y_valid, feature_names=cols)
    progress(f"training on {len(y_train)} rows, validating on {len(y_valid)} ({full_params['objective']})")
    booster = xgb.train(full_params, dtrain, num_boost_round, evals=[(dtrain, "train"), (dvalid, "valid")],
                        early_stopping_rounds=EARLY_STOPPING_ROUNDS, verbose_eval=False,
                        callbacks=[ProgressPrinter(progress, num_boost_round)])
    best = int(booster.best_iteration)
    booster = booster[: best + 1]
    metrics: dict[str, object] = {**regression_metrics(y_valid, booster.inplace_predict(X_valid)),
                                  "best_iteration": best + 1, "validation_rows": len(y_valid), "seed": seed}
    if NOISE_FREE_COLUMN in valid and tuple(cols) == FEATURE_COLUMNS:
        metrics.update(synthetic_floors(valid, y_valid, float(metrics["rmse"])))  # type: ignore[arg-type]
        if fresh_rows and seed != FRESH_SEED:
            metrics["fresh_sample"] = fresh_sample_metrics(booster, pre, fresh_rows)
    meta = build_meta(booster, X_train, raw_train, y_train, cols, str(full_params["objective"]))
    version = artifacts.write_artifacts(model_dir, booster, pre, meta, metrics)
    progress(f"stopped at round {best + 1}; validation rmse {metrics['rmse']:.5f}; model version {version}")
    return TrainResult(version=version, metrics=metrics, best_iteration=best + 1)
