"""Training on a small synthetic set, artifacts without pickle, versions that follow the files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ml import artifacts
from ml.synth import FEATURE_COLUMNS, synthesize
from ml.train import DEFAULT_PARAMS, FRESH_SEED, apply_preprocess, fresh_sample_metrics, train_risk_model
from saas.cli import main
from saas.errors import ModelError
from saas.scoring.model import RiskModel
from saas.settings import ROOT

pytestmark = pytest.mark.unit

FRAME = synthesize(4000, seed=21)
DEFAULT = ROOT / "ml" / "artifacts" / "default"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    directory = tmp_path_factory.mktemp("model")
    result = train_risk_model(FRAME, directory, seed=42, progress=lambda _: None)
    return directory, result.metrics


def test_documented_defaults_are_used() -> None:
    assert {k: DEFAULT_PARAMS[k] for k in ("objective", "eta", "max_depth", "subsample", "colsample_bytree",
                                           "lambda", "alpha", "seed", "eval_metric")} == {
        "objective": "reg:squarederror", "eta": 0.08, "max_depth": 5, "subsample": 0.85, "colsample_bytree": 0.9,
        "lambda": 1.2, "alpha": 0.2, "seed": 42, "eval_metric": "rmse"}


def test_training_learns_the_synthetic_risk(trained: tuple[Path, dict[str, object]]) -> None:
    _, metrics = trained
    assert float(metrics["rmse"]) < 0.07  # type: ignore[arg-type]
    assert float(metrics["r2"]) > 0.85  # type: ignore[arg-type]
    assert float(metrics["spearman"]) > 0.8  # type: ignore[arg-type]
    assert metrics["validation_rows"] == 800
    bayes, oracle = metrics["bayes_floor"], metrics["oracle_with_archetype"]
    assert isinstance(bayes, dict) and isinstance(oracle, dict)
    assert oracle["rmse"] < bayes["rmse"] < metrics["rmse"]
    assert 1.0 < float(metrics["rmse_vs_bayes_floor"]) < 1.3  # type: ignore[arg-type]
    assert float(metrics["rmse_vs_oracle_with_archetype"]) > 2.0  # type: ignore[arg-type]
    assert 1 <= int(metrics["best_iteration"]) <= 400  # type: ignore[call-overload]


def test_artifacts_are_plain_json_and_preprocessing_matches_scikit_learn(trained: tuple[Path, object]) -> None:
    directory, _ = trained
    for name in artifacts.ARTIFACT_FILES:
        json.loads((directory / name).read_text())  # every artifact is JSON, nothing to unpickle
    train, _ = train_test_split(FRAME, test_size=0.2, random_state=42)
    raw = train[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    raw[::9, 0] = np.nan
    pipe = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    pipe.fit(train[list(FEATURE_COLUMNS)].to_numpy())
    pre = artifacts.read_preprocess(directory)
    assert pre.feature_names == list(FEATURE_COLUMNS)
    assert np.allclose(apply_preprocess(pre, raw), pipe.transform(raw), rtol=0, atol=1e-12)


def test_served_scores_equal_the_booster_on_preprocessed_rows(trained: tuple[Path, object]) -> None:
    directory, _ = trained
    model = RiskModel.load(directory)
    raw = FRAME[list(FEATURE_COLUMNS)].to_numpy(np.float64)[:200]
    booster = xgb.Booster()
    booster.load_model(str(directory / artifacts.BOOSTER_FILE))
    pre = artifacts.read_preprocess(directory)
    direct = booster.predict(xgb.DMatrix(apply_preprocess(pre, raw), feature_names=pre.feature_names))
    assert np.allclose(model.score(raw), direct, atol=1e-7)
    meta = artifacts.read_meta(directory)
    assert meta.dist_stats.pred_p5 < meta.dist_stats.pred_p50 < meta.dist_stats.pred_p95
    assert len(meta.quantiles) == 1001 and meta.quantiles == sorted(meta.quantiles)
    assert meta.training_rows == 3200


def test_version_follows_the_files_that_decide_predictions_and_not_the_report(
        trained: tuple[Path, object], tmp_path: Path) -> None:
    directory, _ = trained
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    assert artifacts.version_ids(copy) == artifacts.version_ids(directory)
    for name in artifacts.ARTIFACT_FILES:
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original.replace(b"}", b" }", 1))
        decides = name in artifacts.PREDICTION_FILES
        assert (artifacts.model_version(copy) != artifacts.model_version(directory)) is decides, name
        assert artifacts.legacy_model_version(copy) != artifacts.legacy_model_version(directory), name
        path.write_bytes(original)
    (copy / artifacts.CALIBRATION_FILE).write_text('{"x":[0.0],"y":[0.0]}')
    assert artifacts.model_version(copy) != artifacts.model_version(directory)


def test_the_model_shipped_until_2026_12_keeps_its_legacy_id() -> None:
    legacy = ROOT / "tests" / "fixtures" / "models" / "de5ffc1727d66f89"
    assert artifacts.legacy_model_version(legacy) == "de5ffc1727d66f89"  # the id its decisions pin
    assert RiskModel(legacy, "de5ffc1727d66f89").version == "de5ffc1727d66f89"
    assert RiskModel(legacy).version == artifacts.model_version(legacy) != "de5ffc1727d66f89"
    with pytest.raises(ModelError, match="do not hash to model 0123456789abcdef"):
        RiskModel(legacy, "0123456789abcdef")


def test_retraining_is_reproducible(trained: tuple[Path, object], tmp_path: Path) -> None:
    directory, _ = trained
    result = train_risk_model(FRAME, tmp_path, seed=42, progress=lambda _: None)
    assert result.version == artifacts.model_version(directory)


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ml", "train", "--rows", "1500", "--fresh-rows", "0", "--model-dir", str(tmp_path)]
    assert main(args) == 0
    first = artifacts.model_version(tmp_path)
    assert "round" in capsys.readouterr().out  # progress is shown
    assert main([*args, "--seed", "7"]) == 0
    assert "--force-retrain" in capsys.readouterr().out
    assert artifacts.model_version(tmp_path) == first
    assert main([*args, "--seed", "7", "--force-retrain"]) == 0
    assert artifacts.model_version(tmp_path) != first
    assert main(["ml", "report", "--model-dir", str(tmp_path)]) == 0
    assert f"version {artifacts.model_version(tmp_path)}" in capsys.readouterr().out


def test_force_retrain_rebuilds_the_shipped_model_byte_for_byte(tmp_path: Path) -> None:
    """Byte equality for what decides a score; the evaluation report's figures follow the
    processor's floating-point order in their last digits, so they are compared as numbers."""
    assert main(["ml", "train", "--force-retrain", "--no-register", "--model-dir", str(tmp_path)]) == 0
    for name in artifacts.PREDICTION_FILES:
        assert (tmp_path / name).read_bytes() == (DEFAULT / name).read_bytes(), name
    assert artifacts.model_version(tmp_path) == artifacts.model_version(DEFAULT)
    rebuilt, shipped = artifacts.read_metrics(tmp_path), artifacts.read_metrics(DEFAULT)
    assert figures(rebuilt).keys() == figures(shipped).keys()
    for key, value in figures(shipped).items():
        assert figures(rebuilt)[key] == pytest.approx(value, rel=1e-9, abs=0), key
    fresh = shipped["fresh_sample"]
    assert isinstance(fresh, dict) and (fresh["rows"], fresh["seed"]) == (200_000, FRESH_SEED)
    assert float(fresh["rmse_vs_bayes_floor"]) <= 1.06  # the target, on rows the training never saw


def figures(metrics: dict[str, object], prefix: str = "") -> dict[str, float]:
    """Every number of a metrics report, nested keys joined with dots."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out.update(figures(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = float(value)  # type: ignore[arg-type]
    return out


def test_the_shipped_model_is_within_1_06_of_the_bayes_floor_on_fresh_rows() -> None:
    """A sample of its own (seed 2026, 40,000 rows) on top of the 200,000 rows metrics.json records."""
    booster, pre = artifacts.read_booster(DEFAULT), artifacts.read_preprocess(DEFAULT)
    report = fresh_sample_metrics(booster, pre, 40_000, seed=2026)
    assert report["rmse"] > report["bayes_floor_rmse"]  # type: ignore[operator]
    assert float(report["rmse_vs_bayes_floor"]) <= 1.06  # type: ignore[arg-type]


def test_training_registers_the_model_when_the_database_has_the_registry(
        tmp_path: Path, own_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir = tmp_path / "model"
    args = ["ml", "train", "--rows", "1500", "--fresh-rows", "0", "--model-dir", str(model_dir)]
    assert main(args) == 0  # no schema yet: trained, and told how to register later
    assert "note: model not registered" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main([*args, "--force-retrain", "--seed", "3"]) == 0
    version = artifacts.model_version(model_dir)
    assert f"registered model {version}" in capsys.readouterr().out
    assert main(["ml", "list"]) == 0
    assert version in capsys.readouterr().out
    assert main(["ml", "show", version]) == 0
    assert f"model {version}" in capsys.readouterr().out
