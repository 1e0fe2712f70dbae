"""freMTPL2: Noll et al.'s caps and split, GLM1's feature engineering on known rows, and the
claim-frequency path on a 20k-row sample with its GLM baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml import artifacts, fremtpl
from ml.frequency import train_frequency_model
from ml.metrics import ae_by_decile, normalised_gini
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit

FULL = fremtpl.load_freq()
TEST = fremtpl.noll_test_mask(len(FULL))


def test_data_caps_and_published_split() -> None:
    assert len(FULL) == 678_013
    assert FULL["ClaimNb"].max() == 4 and FULL["Exposure"].max() == 1.0
    assert int(TEST.sum()) == 67_801 and int((~TEST).sum()) == 610_212
    assert np.flatnonzero(TEST)[:3].tolist() == [12, 22, 35]


def test_homogeneous_model_matches_the_paper() -> None:
    y, e = FULL["ClaimNb"].to_numpy(float), FULL["Exposure"].to_numpy(float)
    lam = y[~TEST].sum() / e[~TEST].sum()
    assert 100 * fremtpl.poisson_deviance(y[~TEST], lam * e[~TEST]) == pytest.approx(32.93518, abs=1e-5)
    assert 100 * fremtpl.poisson_deviance(y[TEST], lam * e[TEST]) == pytest.approx(33.86149, abs=1e-5)


def test_glm1_bands_on_known_rows() -> None:
    rows = pd.DataFrame({
        "VehPower": [4, 9, 12, 6], "VehAge": [0, 1, 10, 11], "DrivAge": [18, 20, 21, 71],
        "BonusMalus": [50, 150, 230, 90], "Density": [1, 1217, 27000, 54], "Area": ["A", "D", "F", "C"],
        "VehBrand": ["B1", "B12", "B2", "B1"], "VehGas": ["Regular", "Diesel", "Regular", "Diesel"],
        "Region": ["R11", "R82", "R24", "R11"]})
    f = fremtpl.glm1_features(rows)
    assert f["VehPower"].tolist() == [4, 9, 9, 6]
    assert f["VehAge"].astype(str).tolist() == ["0", "1-10", "1-10", "11+"]
    assert f["DrivAge"].tolist() == [0, 0, 1, 6]  # 18–20, 18–20, 21–25, 71+
    assert f["BonusMalus"].tolist() == [50, 150, 150, 90]
    assert f["Area"].tolist() == [1, 4, 6, 3]
    assert f["LogDensity"].tolist() == pytest.approx([0.0, np.log(1217), np.log(27000), np.log(54)])
    ages = pd.DataFrame({"DrivAge": [25, 26, 30, 31, 40, 41, 50, 51, 70]})
    bands = np.searchsorted(fremtpl.DRIV_AGE_EDGES, ages["DrivAge"], side="left").tolist()
    assert bands == [1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_glm1_design_has_the_papers_49_parameters() -> None:
    """The fit itself (31.26738 / 32.17123) is reproduced by bench/bench_fremtpl.py on all rows."""
    features = fremtpl.glm1_features(FULL)
    categorical = [c for c in features if isinstance(features[c].dtype, pd.CategoricalDtype)]
    levels = {c: len(features[c].cat.categories) for c in categorical}
    assert levels == {"VehPower": 6, "VehAge": 3, "DrivAge": 7, "VehGas": 2, "VehBrand": 11, "Region": 22}
    numeric = [c for c in features if c not in levels]
    assert numeric == ["BonusMalus", "LogDensity", "Area"]
    assert 1 + len(numeric) + sum(n - 1 for n in levels.values()) == 49
    assert fremtpl.glm1_design(FULL.iloc[:2000]).shape[1] == 48


def test_gini_and_actual_to_expected_on_known_values() -> None:
    counts, exposure = np.array([0.0, 0.0, 1.0, 3.0]), np.ones(4)
    assert normalised_gini(counts, counts, exposure) == pytest.approx(1.0)
    assert normalised_gini(counts, -counts, exposure) == pytest.approx(-1.0)
    assert normalised_gini(counts, np.full(4, 0.2), exposure) == pytest.approx(0.0)
    assert ae_by_decile(np.ones(10), np.full(10, 0.5), np.ones(10)) == [None] * 5 + [2.0] + [None] * 4
    freq = np.arange(1, 11) / 10
    assert ae_by_decile(freq * 2, freq, np.ones(10)) == [2.0] * 10


def test_frequency_path_on_a_sample(tmp_path: Path) -> None:
    sample = FULL.sample(20_000, random_state=3).reset_index(drop=True)
    result = train_frequency_model(sample, tmp_path, target_column="ClaimNb", exposure_column="Exposure",
                                   progress=lambda _: None)
    reports = {r.name: r for r in result.reports}
    glm, xgb_model = reports["poisson GLM (scikit-learn)"], reports["xgboost count:poisson"]
    homogeneous = reports["homogeneous"]
    assert np.isfinite(glm.deviance) and glm.deviance < homogeneous.deviance
    assert xgb_model.deviance < homogeneous.deviance
    assert 0.05 < xgb_model.gini < 0.6 and 0.05 < glm.gini < 0.6
    assert len(xgb_model.actual_to_expected) == 10
    assert json.loads((tmp_path / artifacts.CALIBRATION_FILE).read_text())["x"]
    model = RiskModel.load(tmp_path)
    assert set(model.categories) == {"Area", "VehBrand", "VehGas", "Region"}
    X = model.prepare(sample.iloc[:50].to_dict("records"))
    assert np.allclose(np.exp(model.contributions(X).sum(axis=1)), model.score(X), rtol=1e-5)
    assert model.baseline == pytest.approx(0.1, abs=0.04)
