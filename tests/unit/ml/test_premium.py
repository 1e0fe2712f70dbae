"""Severity (reg:gamma on average claim amounts) and the pure premium report of a model pair, on a
30,000-policy freMTPL2 sample with its claims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml import artifacts, fremtpl
from ml.data import holdout_split, join_claims
from ml.metrics import ae_by_decile, normalised_gini
from ml.premium import premium_report, pure_premium
from saas.cli import main
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit

SEV = fremtpl.data_dir() / "freMTPL2sev.csv"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(data CSV, frequency model, severity model), trained by the CLI on the same held-out split."""
    root = tmp_path_factory.mktemp("premium")
    data = root / "freq.csv"
    fremtpl.load_freq().sample(30_000, random_state=4).to_csv(data, index=False)
    common = ["--data", str(data), "--claims", str(SEV), "--clip", "ClaimNb=4", "--clip", "Exposure=1"]
    assert main(["ml", "train", *common, "--objective", "count:poisson", "--model-dir", str(root / "freq")]) == 0
    assert main(["ml", "train", *common, "--objective", "reg:gamma", "--model-dir", str(root / "sev")]) == 0
    return data, root / "freq", root / "sev"


def test_severity_model_learns_average_amounts_weighted_by_claims(pair: tuple[Path, Path, Path]) -> None:
    _, freq_dir, sev_dir = pair
    meta, metrics = artifacts.read_meta(sev_dir), artifacts.read_metrics(sev_dir)
    assert meta.objective == "reg:gamma" and "ClaimAmount" not in meta.feature_names
    assert "Exposure" not in meta.feature_names and "ClaimNb" not in meta.feature_names
    assert "ClaimAmount" not in artifacts.read_meta(freq_dir).feature_names  # the joined amounts never leak
    assert 500 < meta.baseline_risk < 5000  # euros per claim
    deviance = metrics["test_gamma_deviance"]
    assert isinstance(deviance, dict) and all(np.isfinite(v) and v > 0 for v in deviance.values())
    assert deviance["xgboost reg:gamma"] < 1.1 * deviance["homogeneous"]  # severity is barely predictable
    score = RiskModel.load(sev_dir).score(RiskModel.load(sev_dir).prepare([{"VehBrand": "B12", "Area": "C"}]))
    assert score.shape == (1,) and score[0] > 0


def test_report_shows_the_pure_premium_of_the_pair(pair: tuple[Path, Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data, freq_dir, sev_dir = pair
    assert main(["ml", "report", "--model-dir", str(freq_dir), "--severity-model-dir", str(sev_dir),
                 "--data", str(data), "--claims", str(SEV), "--clip", "ClaimNb=4", "--clip", "Exposure=1"]) == 0
    out = capsys.readouterr().out
    assert "pure premium = frequency × severity" in out and "on 6000 held-out policies" in out
    frame = join_claims(pd.read_csv(data), SEV, id_column="IDpol", amount_column="ClaimAmount")
    frame["Exposure"] = frame["Exposure"].clip(upper=1)
    held_out = frame.iloc[holdout_split(len(frame), None, 42)[1]]
    frequency, severity = RiskModel.load(freq_dir), RiskModel.load(sev_dir)
    report = premium_report(frequency, severity, held_out, amount_column="ClaimAmount", exposure_column="Exposure")
    premium = pure_premium(frequency, severity, held_out)
    amount, exposure = held_out["ClaimAmount"].to_numpy(), held_out["Exposure"].to_numpy()
    assert report.gini == normalised_gini(amount, premium, exposure) and f"gini {report.gini:.4f}" in out
    assert report.actual_to_expected == ae_by_decile(amount, premium, exposure)
    assert len(report.actual_to_expected) == 10 and report.gini > 0.05
    assert report.expected == pytest.approx(float((premium * exposure).sum()))
    assert 0.5 < report.actual / report.expected < 2.0  # large claims make the ratio noisy on 6000 policies


def test_pure_premium_needs_the_data(pair: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, freq_dir, sev_dir = pair
    assert main(["ml", "report", "--model-dir", str(freq_dir), "--severity-model-dir", str(sev_dir)]) == 2
    assert "needs --data" in capsys.readouterr().out
