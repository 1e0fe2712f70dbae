"""Serving the shared risk model: load once per process, score and explain on float arrays.

Everything is read from the JSON artifacts written by ``ml.artifacts`` (no pickle): the booster,
the imputer/scaler numbers, the distribution stats and the quantile sketch. Inputs travel as raw
feature values in ``feature_names`` order with NaN for missing; ``score`` and ``contributions``
apply the same median imputation and scaling as training, so both see exactly what the trees saw.
A categorical feature (models trained on tables with text columns) is given as its text; ``prepare``
turns it into the training code (``ml.artifacts.CategoryCodes``), an unseen category into NaN.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xgboost as xgb

from ml import artifacts
from saas.errors import ModelError

SERVING_THREADS = 1
"""One thread per process: API replicas and RQ workers scale out by process, and on a busy machine
a two-thread xgboost call waits on its thread barrier (single-row score measured 24 ms vs 0.3 ms, and
building a one-row DMatrix with the default thread count 16 ms vs 0.13 ms)."""
BATCH_ROWS = 1_000
"""From this many rows on, a call is long enough that every core pays off (bulk quotes, monthly
scoring): it goes to a second booster that uses all cores. Smaller calls keep one thread."""
_CACHE: dict[Path, RiskModel] = {}
_CACHE_LOCK = threading.Lock()


class RiskModel:
    """A loaded model directory. Immutable after load, safe to share between threads."""

    def __init__(self, directory: Path, version: str | None = None) -> None:
        """``version``: the id the model was asked for (the registry's), today's or the legacy one
        that decisions recorded before 2026-12 pin; it must be one the files hash to."""
        if not artifacts.artifacts_present(directory):
            raise ModelError(f"no model artifacts in {directory} (expected {', '.join(artifacts.ARTIFACT_FILES)})")
        ids = artifacts.version_ids(directory)
        if version is not None and version not in ids:
            raise ModelError(f"the artifacts in {directory} do not hash to model {version}")
        pre, meta = artifacts.read_preprocess(directory), artifacts.read_meta(directory)
        self.directory = directory
        self.version: str = version or ids[0]
        self.feature_names: tuple[str, ...] = tuple(pre.feature_names)
        self.objective = meta.objective
        self.baseline: float = meta.baseline_risk
        stats = meta.dist_stats
        self.p5, self.p50, self.p95, self.std = stats.pred_p5, stats.pred_p50, stats.pred_p95, stats.pred_std
        self.meta = meta
        self.booster: xgb.Booster = artifacts.read_booster(directory)
        self.booster.set_param({"nthread": SERVING_THREADS})
        self._batch_threads = os.cpu_count() or 1
        self._batch_booster = self.booster.copy()
        self._batch_booster.set_param({"nthread": self._batch_threads})
        self._medians = np.asarray(pre.medians, dtype=np.float64)
        self._means = np.asarray(pre.means, dtype=np.float64)
        self._scales = np.asarray(pre.scales, dtype=np.float64)
        self._quantiles = np.asarray(meta.quantiles, dtype=np.float64)
        self._index = {name: i for i, name in enumerate(self.feature_names)}
        self.categories: dict[str, artifacts.CategoryCodes] = {
            name: artifacts.CategoryCodes(values) for name, values in pre.categories.items()}

    @classmethod
    def load(cls, directory: Path) -> RiskModel:
        """One instance per directory per process: parsing the booster is the expensive part."""
        key = Path(directory).resolve()
        with _CACHE_LOCK:
            model = _CACHE.get(key)
            if model is None:
                model = _CACHE[key] = cls(key)
            return model

    def prepare(self, rows: Sequence[Mapping[str, float | str | None]]) -> np.ndarray:
        """Rows of named raw values → a float matrix in model order; absent or None → NaN (imputed);
        a categorical feature's text → its code."""
        X = np.full((len(rows), len(self.feature_names)), np.nan, dtype=np.float64)
        index, categories = self._index, self.categories
        for r, row in enumerate(rows):
            for name, value in row.items():
                col = index.get(name)
                if col is not None and value is not None:
                    X[r, col] = categories[name].code(value) if categories and name in categories else value
        return X

    def prepare_columns(self, columns: Mapping[str, Sequence[object] | np.ndarray], rows: int) -> np.ndarray:
        """Whole columns (a scored file) → the matrix ``prepare`` would build row by row."""
        X = np.full((rows, len(self.feature_names)), np.nan, dtype=np.float64)
        for name, col in self._index.items():
            values = columns.get(name)
            if values is not None:
                codes = self.categories.get(name)
                X[:, col] = codes.codes(values) if codes is not None else np.asarray(values, dtype=np.float64)
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Median imputation then standard scaling, exactly as in training."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ModelError(f"expected a (n, {len(self.feature_names)}) matrix, got shape {X.shape}")
        return (np.where(np.isnan(X), self._medians, X) - self._means) / self._scales

    def _booster(self, rows: int) -> tuple[xgb.Booster, int]:
        return (self._batch_booster, self._batch_threads) if rows >= BATCH_ROWS else (self.booster, SERVING_THREADS)

    def score(self, X: np.ndarray) -> np.ndarray:
        booster, _ = self._booster(len(X))
        return np.asarray(booster.inplace_predict(self.transform(X)), dtype=np.float64)

    def margin(self, X: np.ndarray) -> np.ndarray:
        """The untransformed sum of the trees: the score itself for ``reg:squarederror``, its log
        for the log-link objectives (``count:poisson``, ``reg:gamma``)."""
        booster, _ = self._booster(len(X))
        return np.asarray(booster.inplace_predict(self.transform(X), predict_type="margin"), dtype=np.float64)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Exact TreeSHAP values, shape (n, f + 1), last column the bias; rows sum to the margin
        (the score itself for ``reg:squarederror``, its log for ``count:poisson``)."""
        booster, threads = self._booster(len(X))
        dmatrix = xgb.DMatrix(self.transform(X), feature_names=list(self.feature_names), nthread=threads)
        return np.asarray(booster.predict(dmatrix, pred_contribs=True), dtype=np.float64)

    def percentile(self, risk: float | np.ndarray) -> float | np.ndarray:
        """Share (0..100) of training predictions at or below ``risk`` (``percentile_in``)."""
        return percentile_in(self._quantiles, risk)


def percentile_in(q: np.ndarray, risk: float | np.ndarray) -> float | np.ndarray:
    """Share (0..100) of a population at or below ``risk``, read off its quantile sketch ``q`` with
    linear interpolation between its points; non-decreasing in ``risk``."""
    r = np.asarray(risk, dtype=np.float64)
    idx = np.clip(np.searchsorted(q, r, side="right"), 1, len(q) - 1)
    lo, hi = q[idx - 1], q[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(hi > lo, (r - lo) / (hi - lo), 1.0)
    pct = (idx - 1 + np.clip(frac, 0.0, 1.0)) / (len(q) - 1) * 100.0
    pct = np.where(r < q[0], 0.0, np.where(r >= q[-1], 100.0, pct))
    return float(pct) if pct.ndim == 0 else pct


def load_default_model(settings_model_dir: Path | str) -> RiskModel:
    """The model the settings point at (``SAAS_MODEL_DIR``; the shipped ml/artifacts/default)."""
    return RiskModel.load(Path(settings_model_dir))
