"""Text columns as categorical features: learned categories, JSON artifacts, and serving that scores
them as the trees saw them (unseen or missing categories as missing)."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from ml import artifacts
from ml.features import fit_inputs, glm_design, prepare_inputs, raw_matrix, select_features
from ml.frequency import train_frequency_model
from ml.train import apply_preprocess
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit

RATES = {"north": 0.04, "south": 0.30, "east": 0.10, "west": 0.12}


def claims_table(rows: int, seed: int) -> pd.DataFrame:
    """Frequency driven mostly by a text column (and a little by age); some regions missing."""
    rng = np.random.default_rng(seed)
    region = rng.choice(list(RATES), rows, p=[0.4, 0.2, 0.2, 0.2]).astype(object)
    age = rng.integers(18, 80, rows).astype(float)
    exposure = rng.uniform(0.2, 1.0, rows)
    rate = np.array([RATES[r] for r in region]) * np.where(age < 25, 1.8, 1.0)
    region[rng.random(rows) < 0.03] = np.nan
    return pd.DataFrame({"IDpol": np.arange(rows), "age": age, "region": region,
                         "gas": rng.choice(["Diesel", "Regular"], rows), "Exposure": exposure,
                         "ClaimNb": rng.poisson(rate * exposure)})


TABLE = claims_table(6000, seed=1)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("categorical")
    train_frequency_model(TABLE, directory, target_column="ClaimNb", exposure_column="Exposure",
                          progress=lambda _: None)
    return directory


def test_text_columns_are_categorical_and_categories_come_from_the_fitting_rows() -> None:
    names, kinds = select_features(TABLE, {"IDpol", "ClaimNb", "Exposure"})
    assert names == ["age", "region", "gas"] and kinds == ["numeric", "categorical", "categorical"]
    fit_rows = np.flatnonzero(TABLE["region"].to_numpy() != "west")
    pre = fit_inputs(TABLE, names, kinds, fit_rows)
    assert pre.categories == {"region": ["east", "north", "south"], "gas": ["Diesel", "Regular"]}
    assert pre.medians[1:] == [None, None] and pre.means[1:] == [0.0, 0.0] and pre.scales[1:] == [1.0, 1.0]
    raw = raw_matrix(TABLE, pre)
    region = TABLE["region"].to_numpy()
    assert np.isnan(raw[region == "west", 1]).all() and np.isnan(raw[pd.isna(region), 1]).all()
    assert (raw[region == "south", 1] == 2.0).all()
    assert np.array_equal(apply_preprocess(pre, raw)[:, 1:], raw[:, 1:], equal_nan=True)  # codes pass through


def test_numeric_inputs_write_the_preprocess_file_exactly_as_before() -> None:
    pre = fit_inputs(TABLE, ["age"], ["numeric"], np.arange(100))
    encoded = msgspec.json.encode(pre)
    assert json.loads(encoded) == {"feature_names": ["age"], "medians": pre.medians, "means": pre.means,
                                   "scales": pre.scales}
    assert pre.feature_kinds() == ["numeric"]


def test_glm_design_dummy_codes_each_category_but_the_first() -> None:
    inputs = prepare_inputs(TABLE, {"IDpol", "ClaimNb", "Exposure"}, np.arange(len(TABLE)))
    design = glm_design(inputs.X[:50], inputs.pre)
    assert design.shape == (50, 1 + 3 + 1)  # age; region north, south, west (east is the reference); gas Regular
    region = TABLE["region"].to_numpy()[:50]
    assert np.array_equal(design[:, 2], (region == "south").astype(float))
    assert np.array_equal(design[:, 4], (TABLE["gas"].to_numpy()[:50] == "Regular").astype(float))
    assert (design[pd.isna(region), 1:4] == 0).all()


def test_artifacts_record_kinds_and_categories(model_dir: Path) -> None:
    pre = json.loads((model_dir / artifacts.PREPROCESS_FILE).read_text())
    assert pre["feature_names"] == ["age", "region", "gas"]
    assert pre["kinds"] == ["numeric", "categorical", "categorical"]
    assert pre["categories"]["region"] == ["east", "north", "south", "west"]
    assert pre["medians"][1] is None


def test_serving_scores_text_as_the_trees_saw_it(model_dir: Path) -> None:
    model = RiskModel.load(model_dir)
    rows = [{"age": 30.0, "region": r, "gas": "Diesel"} for r in ["north", "south", "mars", None]]
    X = model.prepare(rows)
    assert X[:, 1].tolist()[:2] == [1.0, 2.0] and np.isnan(X[2:, 1]).all()
    score = model.score(X)
    assert score[1] > 3 * score[0]  # south's rate is 7.5 x north's
    assert score[2] == score[3]  # an unseen category is a missing one
    columns = {"age": [30.0] * 4, "region": ["north", "south", "mars", np.nan], "gas": ["Diesel"] * 4}
    assert np.array_equal(model.prepare_columns(columns, 4), X, equal_nan=True)
    frame = pd.DataFrame({"age": model.transform(X)[:, 0],
                          "region": pd.Categorical(["north", "south", None, None],
                                                   categories=["east", "north", "south", "west"]),
                          "gas": pd.Categorical(["Diesel"] * 4, categories=["Diesel", "Regular"])})
    direct = model.booster.predict(xgb.DMatrix(frame, enable_categorical=True))  # xgboost's own pandas path
    assert np.allclose(score, direct, rtol=1e-6)
    assert np.allclose(model.margin(X), np.log(score), atol=1e-6)
    assert np.allclose(np.exp(model.contributions(X).sum(axis=1)), score, rtol=1e-5)
