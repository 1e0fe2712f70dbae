"""Model artifacts as plain JSON files, read back without pickle or joblib.

A directory holds the booster (xgboost's own JSON), the preprocessing parameters (medians, means,
scales: the fitted imputer and scaler reduced to numbers), ``meta.json`` (baseline, distribution
stats, a quantile sketch for percentiles, training bins for drift) and ``metrics.json``. The model
version is the sha256 over these files, so anything a decision depended on changes the version.
"""

from __future__ import annotations

import hashlib
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
"""The files every model directory must hold; ``calibration.json`` is optional and hashed when present."""


class Preprocess(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``SimpleImputer(median)`` then ``StandardScaler``: x -> (x or median - mean) / scale."""

    feature_names: list[str]
    medians: list[float]
    means: list[float]
    scales: list[float]


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
    """sha256 over the artifact files (name and bytes, in a fixed order), first 16 hex digits."""
    digest = hashlib.sha256()
    names = [*ARTIFACT_FILES, *([CALIBRATION_FILE] if (directory / CALIBRATION_FILE).exists() else [])]
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
