"""The ``saas ml`` commands end to end on small data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml import artifacts, fremtpl
from ml.synth import synthesize
from saas.cli import main
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


def test_train_count_poisson_from_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "freq.csv"
    fremtpl.load_freq().sample(8000, random_state=1).to_csv(sample, index=False)
    model_dir = tmp_path / "model"
    assert main(["ml", "train", "--data", str(sample), "--objective", "count:poisson", "--target-col", "ClaimNb",
                 "--exposure-col", "Exposure", "--model-dir", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert "poisson GLM (scikit-learn)" in out and "xgboost + isotonic" in out
    meta = artifacts.read_meta(model_dir)
    assert meta.objective == "count:poisson"
    assert meta.feature_names == ["Area", "VehPower", "VehAge", "DrivAge", "BonusMalus", "VehBrand", "VehGas",
                                  "Density", "Region"]
    pre = artifacts.read_preprocess(model_dir)
    assert pre.categories["Area"] == ["A", "B", "C", "D", "E", "F"]
