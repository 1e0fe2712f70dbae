"""Population stability index: known values, and a report that notices a shift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.artifacts import Bins
from saas.scoring.drift import drift_report, psi
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit

HALVES = Bins(edges=[0.0], fractions=[0.5, 0.5])


def test_psi_known_values() -> None:
    assert psi(HALVES, np.array([-1.0, 1.0] * 50)) == pytest.approx(0.0)
    shifted = np.array([-1.0] * 70 + [1.0] * 30)
    assert psi(HALVES, shifted) == pytest.approx(0.2 * math.log(0.7 / 0.5) + 0.2 * math.log(0.5 / 0.3))
    assert psi(HALVES, np.array([-1.0] * 10)) == pytest.approx((1 - 0.5) * math.log(1 / 0.5) +
                                                               (1e-4 - 0.5) * math.log(1e-4 / 0.5))
    assert psi(HALVES, np.array([np.nan, -1.0, 1.0])) == pytest.approx(0.0)
    assert psi(HALVES, np.array([])) == 0.0


def test_values_on_an_edge_fall_in_the_upper_bin_like_training() -> None:
    assert psi(Bins(edges=[1.0], fractions=[0.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.0, abs=1e-3)


def test_report_is_stable_for_the_training_population_and_flags_a_shift(model: RiskModel, rows: np.ndarray) -> None:
    same = drift_report(model, rows)
    assert same.rows == 500 and same.model_version == model.version
    assert same.worst.status == "stable", same.worst
    speeding = next(f for f in same.features if f.name == "speeding_minutes_per_100mi")
    assert speeding.missing_share == pytest.approx(30 / 500)
    shifted = rows.copy()
    shifted[:, 3] = shifted[:, 3] * 3
    report = drift_report(model, shifted)
    by_name = {f.name: f for f in report.features}
    assert by_name["speeding_minutes_per_100mi"].status == "significant"
    assert by_name["miles"].status == "stable"
    assert report.score.psi > same.score.psi
