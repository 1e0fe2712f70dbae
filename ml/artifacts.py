"""Model artifacts as plain JSON files, read back without pickle or joblib.

A directory holds the booster (xgboost's own JSON), the preprocessing parameters (medians, means,
scales: the fitted imputer and scaler reduced to numbers; categorical features' kinds and training
categories), ``meta.json`` (baseline, distribution stats, a quantile sketch for percentiles, training
bins for drift) and ``metrics.json``. The model version is the sha256 over the files that decide a
prediction (booster, preprocessing, meta with the stats the mapping reads, calibration), so anything
a decision depended on changes the version, and nothing else does: ``metrics.json`` is an
evaluation report whose last digits follow the processor's floating-point order, and the same
booster retrained on another machine must keep its version.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec
import numpy as np
import xgboost as xgb

BOOSTER_FILE = "xgb_model.json"
PREPROCESS_FILE = "preprocess.json"
META_FILE = "meta.json"
METRICS_FILE = "metrics.json"
CALIBRATION_FILE = "calibration.json"
ARTIFACT_FILES: tuple[str, ...] = (BOOSTER_FILE, PREPROCESS_FILE, META_FILE, METRICS_FILE)
"""The files every model directory must hold; ``calibration.json`` is optional."""
PREDICTION_FILES: tuple[str, ...] = (BOOSTER_FILE, PREPROCESS_FILE, META_FILE)
"""The files that decide a score, hashed into the model version (with ``calibration.json`` when present)."""
NUMERIC, CATEGORICAL = "numeric", "categorical"


class Preprocess(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """``SimpleImputer(median)`` then ``StandardScaler``: x -> (x or median - mean) / scale.

    A categorical feature travels as its position in ``categories[name]`` (xgboost's native
    categorical splits); its median is null, mean 0 and scale 1, so a missing or unseen category
    stays NaN and takes the trees' missing branch. ``kinds`` and ``categories`` are written only when
    some feature is categorical: an all-numeric model's file is byte for byte what it always was,
    and its absent ``kinds`` means every feature is numeric."""

    feature_names: list[str]
    medians: list[float | None]
    means: list[float]
    scales: list[float]
    kinds: list[str] | None = None
    categories: dict[str, list[str]] = {}

    def feature_kinds(self) -> list[str]:
        return list(self.kinds) if self.kinds is not None else [NUMERIC] * len(self.feature_names)


class DistStats(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pred_p5: float
    pred_p50: float
    pred_p95: float
    pred_std: float


class Bins(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Training distribution of one variable: inner cut points and the share of rows in each bin."""

    edges: list[float]
    fractions: list[float]


class Meta(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    baseline_risk: float
    dist_stats: DistStats
    quantiles: list[float]
    """Training predictions at 0, 0.1, ..., 100 percent (1001 points): the percentile sketch."""
    feature_names: list[str]
    objective: str
    feature_bins: dict[str, Bins]
    score_bins: Bins
    training_rows: int


class Calibration(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Isotonic map from predicted to observed frequency, as its breakpoints (np.interp applies it)."""

    x: list[float]
    y: list[float]


class CategoryCodes:
    """A value's position among the training categories, as float; missing (None, NaN) or unseen →
    NaN. Training and serving both encode through this class, so a category means the same code."""

    def __init__(self, categories: Sequence[str]) -> None:
        self._lookup = {c: float(i) for i, c in enumerate(categories)}

    def code(self, value: object) -> float:
        return math.nan if is_missing(value) else self._lookup.get(str(value), math.nan)

    def codes(self, values: Iterable[object]) -> np.ndarray:
        return np.array([self.code(v) for v in values], dtype=np.float64)


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def quantile_sketch(predictions: np.ndarray, points: int = 1001) -> list[float]:
    return [float(v) for v in np.quantile(predictions, np.linspace(0.0, 1.0, points))]


def distribution_bins(values: np.ndarray, bins: int = 10) -> Bins:
    """Decile bins; repeated cut points (discrete variables) collapse so no bin is empty by design."""
    finite = values[np.isfinite(values)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    return Bins(edges=[float(e) for e in edges], fractions=[float(c) for c in counts / counts.sum()])


def write_artifacts(directory: Path, booster: xgb.Booster, preprocess: Preprocess, meta: Meta,
                    metrics: dict[str, object], calibration: Calibration | None = None) -> str:
    """Write every artifact and return the resulting model version."""
    directory.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(directory / BOOSTER_FILE))
    encode = msgspec.json.Encoder(order="sorted")
    (directory / PREPROCESS_FILE).write_bytes(msgspec.json.format(encode.encode(preprocess), indent=1))
    (directory / META_FILE).write_bytes(msgspec.json.format(encode.encode(meta), indent=1))
    (directory / METRICS_FILE).write_bytes(msgspec.json.format(encode.encode(metrics), indent=2))
    calibration_path = directory / CALIBRATION_FILE
    if calibration is not None:
        calibration_path.write_bytes(encode.encode(calibration))
    elif calibration_path.exists():
        calibration_path.unlink()
    return model_version(directory)


def model_version(directory: Path) -> str:
    """sha256 over the files that decide a prediction (name and bytes, fixed order), first 16 hex digits.
    Retraining with the same data and seed gives the same version on any processor."""
    return _digest(directory, PREDICTION_FILES)


def legacy_model_version(directory: Path) -> str:
    """The version as computed until 2026-12, which also hashed ``metrics.json``. Decisions recorded
    then pin this id (the shipped de5ffc1727d66f89, for one), so a registered bundle answers to it."""
    return _digest(directory, ARTIFACT_FILES)


def version_ids(directory: Path) -> tuple[str, str]:
    """Every id the directory's model answers to: today's version first, then the legacy one."""
    return model_version(directory), legacy_model_version(directory)


def _digest(directory: Path, files: Sequence[str]) -> str:
    digest = hashlib.sha256()
    names = [*files, *([CALIBRATION_FILE] if (directory / CALIBRATION_FILE).exists() else [])]
    for name in names:
        digest.update(name.encode() + b"\0")
        digest.update((directory / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def read_preprocess(directory: Path) -> Preprocess:
    return msgspec.json.decode((directory / PREPROCESS_FILE).read_bytes(), type=Preprocess)


def read_meta(directory: Path) -> Meta:
    return msgspec.json.decode((directory / META_FILE).read_bytes(), type=Meta)


def read_metrics(directory: Path) -> dict[str, object]:
    return msgspec.json.decode((directory / METRICS_FILE).read_bytes(), type=dict[str, object])


def read_calibration(directory: Path) -> Calibration | None:
    path = directory / CALIBRATION_FILE
    return msgspec.json.decode(path.read_bytes(), type=Calibration) if path.exists() else None


def read_booster(directory: Path) -> xgb.Booster:
    booster = xgb.Booster()
    booster.load_model(str(directory / BOOSTER_FILE))
    return booster


def artifacts_present(directory: Path) -> bool:
    return all((directory / name).exists() for name in ARTIFACT_FILES)
