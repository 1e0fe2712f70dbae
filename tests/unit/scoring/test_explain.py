"""Explanations: contributions that add up, the right factors on top, and readable sentences."""

from __future__ import annotations

import numpy as np
import pytest

from saas.scoring.explain import explain_batch, sentence
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit


def test_sentences_state_the_behaviour_and_the_effect() -> None:
    assert sentence("speeding_minutes_per_100mi", 12.34, 0.0421) == \
        "Speeding (12.3 minutes per 100 miles) raised the risk score by 0.042."
    assert sentence("tailgating_time_ratio", 0.05, -0.013) == \
        "Following too closely (5% of driving time) lowered the risk score by 0.013."
    assert sentence("miles", 1234.0, 0.0001) == \
        "Mileage (1,234 miles in the period) had almost no effect on the risk score."
    assert sentence("hard_braking_events_per_100mi", None, 0.02) == \
        "Hard braking was not reported, so a typical value was assumed; this raised the risk score by 0.020."
    assert sentence("prior_claim_count", 2.0, np.log(1.25), log_scale=True) == \
        "Prior claims (2 on record) raised the expected claim frequency by 25.0%."


def test_explanations_add_up_and_rank_factors(model: RiskModel, rows: np.ndarray) -> None:
    explanations = explain_batch(model, rows[:50], top=3)
    risks = model.score(rows[:50])
    for exp, risk, raw in zip(explanations, risks, rows[:50], strict=True):
        assert exp.risk == pytest.approx(risk)
        assert exp.bias + sum(c.contribution for c in exp.contributions) == pytest.approx(risk, abs=1e-5)
        assert [c.feature for c in exp.contributions] == list(model.feature_names)
        assert [c.value is None for c in exp.contributions] == list(np.isnan(raw))
        adverse = [c.contribution for c in exp.top_adverse]
        positive = [c.contribution for c in exp.top_positive]
        assert len(adverse) <= 3 and len(positive) <= 3
        assert adverse == sorted(adverse, reverse=True) and all(c > 0 for c in adverse)
        assert positive == sorted(positive) and all(c < 0 for c in positive)
        if adverse:
            assert adverse[0] == max(c.contribution for c in exp.contributions)
        assert all(c.sentence.endswith(".") for c in exp.contributions)


def test_heavy_speeding_is_the_top_adverse_factor(model: RiskModel) -> None:
    X = model.prepare([{"hard_braking_events_per_100mi": 1.0, "aggressive_turning_events_per_100mi": 0.8,
                        "tailgating_time_ratio": 0.03, "speeding_minutes_per_100mi": 30.0,
                        "late_night_miles_per_100mi": 0.5, "miles": 900.0, "prior_claim_count": 0}])
    (exp,) = explain_batch(model, X)
    assert exp.top_adverse[0].feature == "speeding_minutes_per_100mi"
    assert exp.top_adverse[0].sentence.startswith("Speeding (30.0 minutes per 100 miles) raised the risk score by")
