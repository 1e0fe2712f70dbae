from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.synth import FEATURE_COLUMNS, synthesize
from saas.scoring.model import RiskModel, load_default_model
from saas.settings import ROOT

DEFAULT_DIR = ROOT / "ml" / "artifacts" / "default"


@pytest.fixture(scope="session")
def model() -> RiskModel:
    """The shipped default model: a fresh clone scores with it, so the tests do too."""
    return load_default_model(DEFAULT_DIR)


@pytest.fixture(scope="session")
def rows() -> np.ndarray:
    """500 synthetic drivers (another seed than training), a few inputs missing."""
    X = synthesize(500, seed=99)[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    X[::17, 3] = np.nan
    X[::23, 0] = np.nan
    return X


def model_dir_copy(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "model"
    shutil.copytree(DEFAULT_DIR, target)
    return target
