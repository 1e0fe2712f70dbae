from __future__ import annotations

import numpy as np
import pytest

from ml.synth import FEATURE_COLUMNS, synthesize
from saas.scoring.model import RiskModel, load_default_model
from tests.unit.scoring.fixtures import DEFAULT_DIR


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
