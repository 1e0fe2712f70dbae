"""Monthly features from totals: the documentation's definitions, by hand, and the missing cases."""

from __future__ import annotations

import numpy as np
import pytest

from ml.synth import FEATURE_COLUMNS
from saas.scoring.model import RiskModel
from saas.scoring.monthly import MonthlyTotals, feature_matrix, monthly_features

pytestmark = pytest.mark.unit


def totals(**kw: list[float]) -> MonthlyTotals:
    base = {"miles": [250.0], "hard_braking_events": [5], "aggressive_turning_events": [1],
            "speeding_minutes": [10.0], "tailgating_seconds": [360.0], "driving_seconds": [3600.0],
            "night_miles": [25.0], "prior_claims": [1]}
    return MonthlyTotals(**{k: np.asarray(v, dtype=np.float64) for k, v in {**base, **kw}.items()})


def test_features_follow_the_documented_definitions() -> None:
    features = monthly_features(totals())
    assert tuple(features) == FEATURE_COLUMNS
    assert {k: float(v[0]) for k, v in features.items()} == {
        "hard_braking_events_per_100mi": 2.0, "aggressive_turning_events_per_100mi": 0.4,
        "tailgating_time_ratio": 0.1, "speeding_minutes_per_100mi": 4.0, "late_night_miles_per_100mi": 10.0,
        "miles": 250.0, "prior_claim_count": 1.0,
    }


def test_no_miles_or_no_driving_time_gives_missing_rates_not_zero() -> None:
    features = monthly_features(totals(miles=[0.0, 100.0], hard_braking_events=[0, 1], aggressive_turning_events=[0, 0],
                                       speeding_minutes=[0.0, 0.0], tailgating_seconds=[0.0, 7201.0],
                                       driving_seconds=[0.0, 7200.0], night_miles=[0.0, 0.0], prior_claims=[2, 0]))
    for name in ("hard_braking_events_per_100mi", "speeding_minutes_per_100mi", "late_night_miles_per_100mi",
                 "tailgating_time_ratio"):
        assert np.isnan(features[name][0]), name
    assert features["miles"][0] == 0.0 and features["prior_claim_count"][0] == 2.0
    assert features["hard_braking_events_per_100mi"][1] == 1.0
    assert features["tailgating_time_ratio"][1] == 1.0, "a second of per-trip slack never exceeds the ratio's 1"


def test_matrix_follows_the_model_order_and_leaves_unknown_inputs_missing(model: RiskModel) -> None:
    features = monthly_features(totals())
    X = feature_matrix(features, model.feature_names)
    assert X.shape == (1, len(model.feature_names))
    assert list(X[0]) == [features[name][0] for name in model.feature_names]
    assert np.isfinite(model.score(X)).all()
    Y = feature_matrix(features, ["miles", "phone_use_minutes_per_100mi"])
    assert Y[0, 0] == 250.0 and np.isnan(Y[0, 1])


def test_totals_must_be_equal_length_non_negative_vectors() -> None:
    with pytest.raises(ValueError, match="same length"):
        totals(miles=[1.0, 2.0])
    with pytest.raises(ValueError, match="night_miles has a negative total at row 0"):
        totals(night_miles=[-1.0])
    with pytest.raises(ValueError, match="1-D"):
        MonthlyTotals(*[np.zeros((2, 2))] * 8)
