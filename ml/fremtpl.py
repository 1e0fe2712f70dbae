"""freMTPL2freq and the published protocol of Noll, Salzmann & Wüthrich (SSRN 3164764).

Their data preparation (ClaimNb capped at 4, Exposure capped at 1), their 90/10 split (the test row
positions are shipped beside the data, so no R random generator is needed) and their GLM1 feature
engineering exactly as the data README states, so GLM1's published deviances are reproduced.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
FREQ_FILE = "freMTPL2freq.csv.gz"
TEST_ROWS_FILE = "freMTPL2freq_noll2018_test_rows.txt.gz"
CATEGORICAL = ("VehBrand", "Region")
DRIV_AGE_EDGES = (20, 25, 30, 40, 50, 70)
"""Upper ends of the GLM1 driver age bands 18–20, 21–25, 26–30, 31–40, 41–50, 51–70, 71+."""


def data_dir() -> Path:
    return Path(os.environ.get("SAAS_SHARED_DATA", REPO / ".." / "shared" / "data"))


def load_freq(path: Path | None = None, *, nrows: int | None = None) -> pd.DataFrame:
    """The raw table with Noll's caps applied (ClaimNb ≤ 4, Exposure ≤ 1)."""
    frame = pd.read_csv(path or data_dir() / FREQ_FILE, nrows=nrows, dtype={"Area": str, "VehBrand": str,
                                                                            "VehGas": str, "Region": str})
    frame["ClaimNb"] = frame["ClaimNb"].clip(upper=4)
    frame["Exposure"] = frame["Exposure"].clip(upper=1.0)
    return frame


def noll_test_mask(n_rows: int, path: Path | None = None) -> np.ndarray:
    """Boolean mask of Noll et al.'s test policies (0-based data-row positions in the file)."""
    with gzip.open(path or data_dir() / TEST_ROWS_FILE, "rt") as handle:
        positions = np.array([int(line) for line in handle if line.strip() and not line.startswith("#")])
    mask = np.zeros(n_rows, dtype=bool)
    mask[positions[positions < n_rows]] = True
    return mask


def glm1_features(frame: pd.DataFrame) -> pd.DataFrame:
    """GLM1's design before dummy coding: categories as pandas categoricals, the rest numeric."""
    out = pd.DataFrame(index=frame.index)
    out["VehPower"] = pd.Categorical(frame["VehPower"].clip(upper=9), categories=range(4, 10))
    out["VehAge"] = pd.Categorical(np.select([frame["VehAge"] == 0, frame["VehAge"] <= 10], ["0", "1-10"], "11+"),
                                   categories=["1-10", "0", "11+"])
    out["DrivAge"] = pd.Categorical(np.searchsorted(DRIV_AGE_EDGES, frame["DrivAge"], side="left"),
                                    categories=[5, 0, 1, 2, 3, 4, 6])
    out["BonusMalus"] = frame["BonusMalus"].clip(upper=150).astype(float)
    out["LogDensity"] = np.log(frame["Density"].astype(float))
    out["Area"] = frame["Area"].map({c: i + 1 for i, c in enumerate("ABCDEF")}).astype(float)
    out["VehGas"] = pd.Categorical(frame["VehGas"], categories=["Diesel", "Regular"])
    for name in CATEGORICAL:
        out[name] = pd.Categorical(frame[name], categories=sorted(frame[name].unique()))
    return out


def glm1_design(frame: pd.DataFrame) -> np.ndarray:
    """Treatment (dummy) coding with the first category of each factor as reference: 48 columns,
    49 parameters with the intercept, as in the paper."""
    return pd.get_dummies(glm1_features(frame), drop_first=True, dtype=float).to_numpy()


def tree_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Inputs for boosted trees: raw numeric columns (no banding, trees find the cuts), log density,
    Area as 1–6, and VehBrand / Region as native categoricals."""
    out = frame[["VehPower", "VehAge", "DrivAge", "BonusMalus"]].astype(float)
    out["LogDensity"] = np.log(frame["Density"].astype(float))
    out["Area"] = frame["Area"].map({c: i + 1 for i, c in enumerate("ABCDEF")}).astype(float)
    out["VehGas"] = (frame["VehGas"] == "Regular").astype(float)
    for name in CATEGORICAL:
        out[name] = pd.Categorical(frame[name], categories=sorted(frame[name].unique()))
    return out


def poisson_deviance(y: np.ndarray, mu: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean Poisson deviance 2·(y·log(y/μ) − (y − μ)), with y·log(y/μ) = 0 where y = 0."""
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    dev = 2.0 * (term - (y - mu))
    return float(np.average(dev, weights=weights))
