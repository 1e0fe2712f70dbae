"""The ``saas ml`` commands end to end on small data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml import artifacts, fremtpl
from ml.synth import synthesize
from saas.cli import main
from saas.scoring.model import RiskModel
from saas.settings import ROOT

pytestmark = pytest.mark.unit

DEFAULT = str(ROOT / "ml" / "artifacts" / "default")


def test_drift_report_passes_for_the_training_population_and_fails_on_a_shift(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = synthesize(3000, seed=8)
    same, shifted = tmp_path / "same.csv", tmp_path / "shifted.csv"
    frame.to_csv(same, index=False)
    frame.assign(speeding_minutes_per_100mi=frame["speeding_minutes_per_100mi"] * 3).to_csv(shifted, index=False)
    assert main(["ml", "drift", "--data", str(same), "--model-dir", DEFAULT]) == 0
    out = capsys.readouterr().out
    assert "drift of 3000 rows" in out and "speeding_minutes_per_100mi" in out and "significant" not in out
    assert main(["ml", "drift", "--data", str(shifted), "--model-dir", DEFAULT]) == 1
    assert "significant" in capsys.readouterr().out


FREQ_ARGS = ["--objective", "count:poisson", "--target-col", "ClaimNb", "--exposure-col", "Exposure"]
CATEGORICAL = ["Area", "VehBrand", "VehGas", "Region"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 freMTPL2 policies as a CSV, text columns as text."""
    path = tmp_path_factory.mktemp("fremtpl") / "freq.csv"
    fremtpl.load_freq().sample(30_000, random_state=1).to_csv(path, index=False)
    return path


def xgboost_test_deviance(model_dir: Path) -> float:
    reports = artifacts.read_metrics(model_dir)["test"]
    assert isinstance(reports, list)
    return next(float(r["deviance"]) for r in reports if r["name"] == "xgboost count:poisson")


def test_train_count_poisson_from_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "freq.csv"
    fremtpl.load_freq().sample(8000, random_state=1).to_csv(sample, index=False)
    model_dir = tmp_path / "model"
    assert main(["ml", "train", "--data", str(sample), *FREQ_ARGS, "--model-dir", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert "poisson GLM (scikit-learn)" in out and "xgboost + isotonic" in out
    meta = artifacts.read_meta(model_dir)
    assert meta.objective == "count:poisson"
    assert meta.feature_names == ["Area", "VehPower", "VehAge", "DrivAge", "BonusMalus", "VehBrand", "VehGas",
                                  "Density", "Region"]
    pre = artifacts.read_preprocess(model_dir)
    assert [n for n, k in zip(pre.feature_names, pre.feature_kinds(), strict=True) if k == "categorical"] == CATEGORICAL
    assert pre.categories["Area"] == ["A", "B", "C", "D", "E", "F"]


def test_categorical_columns_are_kept_and_beat_dropping_them(sample: Path, tmp_path: Path) -> None:
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    base = ["ml", "train", "--data", str(sample), *FREQ_ARGS]
    assert main([*base, "--model-dir", str(kept)]) == 0
    assert main([*base, "--model-dir", str(dropped), *(a for c in CATEGORICAL for a in ("--exclude", c))]) == 0
    assert set(CATEGORICAL) <= set(artifacts.read_meta(kept).feature_names)
    assert not set(CATEGORICAL) & set(artifacts.read_meta(dropped).feature_names)
    assert xgboost_test_deviance(kept) < xgboost_test_deviance(dropped)


def test_listed_test_rows_and_parameters(sample: Path, tmp_path: Path) -> None:
    rows = tmp_path / "test_rows.txt.gz"
    with gzip.open(rows, "wt") as handle:
        handle.write("# held-out positions\n" + "\n".join(str(i) for i in range(0, 30_000, 7)) + "\n40000\n")
    model_dir = tmp_path / "model"
    assert main(["ml", "train", "--data", str(sample), *FREQ_ARGS, "--model-dir", str(model_dir),
                 "--test-rows", str(rows), "--clip", "ClaimNb=1", "--param", "max_depth=2"]) == 0
    metrics = artifacts.read_metrics(model_dir)
    assert metrics["test_rows"] == len(range(0, 30_000, 7))  # 40000 is past the table's end
    assert metrics["params"] == {"max_depth": 2}
    booster = json.loads((model_dir / artifacts.BOOSTER_FILE).read_text())["learner"]
    depths = [int(t["tree_param"]["num_nodes"]) for t in booster["gradient_booster"]["model"]["trees"]]
    assert max(depths) <= 7  # depth 2: at most 7 nodes


def test_search_picks_parameters_on_the_learning_rows(sample: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    model_dir = tmp_path / "model"
    assert main(["ml", "train", "--data", str(sample), *FREQ_ARGS, "--model-dir", str(model_dir), "--search", "2",
                 "--param", "eta=0.2"]) == 0
    out = capsys.readouterr().out
    assert "trial 2/2" in out and "scored on 3240" in out  # 15% of the 21,600 fitting rows
    searched = artifacts.read_metrics(model_dir)["searched_params"]
    assert isinstance(searched, dict) and set(searched) == {"max_depth", "min_child_weight", "subsample",
                                                            "colsample_bytree", "lambda", "alpha"}


def test_predict_scores_a_file_with_the_serving_code(sample: Path, tmp_path: Path) -> None:
    model_dir, out = tmp_path / "model", tmp_path / "scores.csv"
    assert main(["ml", "train", "--data", str(sample), *FREQ_ARGS, "--model-dir", str(model_dir)]) == 0
    frame = pd.read_csv(sample, nrows=300)
    frame.loc[:4, "Region"] = "R99"  # a region the model never saw
    frame.to_csv(tmp_path / "some.csv", index=False)
    assert main(["ml", "predict", "--model-dir", str(model_dir), "--data", str(tmp_path / "some.csv"),
                 "--out", str(out), "--keep", "IDpol"]) == 0
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["IDpol", "frequency", "margin"] and len(scored) == 300
    model = RiskModel.load(model_dir)
    X = model.prepare(frame.to_dict("records"))
    assert np.isnan(X[:5, model.feature_names.index("Region")]).all()
    assert np.allclose(scored["frequency"], model.score(X), rtol=1e-12)
    assert np.allclose(scored["margin"], np.log(scored["frequency"]), atol=1e-6)
    assert scored["IDpol"].tolist() == frame["IDpol"].tolist()
