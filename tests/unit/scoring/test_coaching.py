"""Coaching tips: the worst controllable behaviours, in plain words, never mileage or claims."""

from __future__ import annotations

import numpy as np
import pytest

from saas.scoring.coaching import ADVICE, coaching_tips
from saas.scoring.explain import FactorContribution, explain_batch
from saas.scoring.model import RiskModel

pytestmark = pytest.mark.unit


def factor(feature: str, value: float | None, contribution: float) -> FactorContribution:
    return FactorContribution(feature=feature, value=value, contribution=contribution, sentence="")


FACTORS = [
    factor("miles", 2400.0, 0.09),
    factor("prior_claim_count", 2.0, 0.08),
    factor("hard_braking_events_per_100mi", 6.2, 0.03),
    factor("tailgating_time_ratio", 0.18, 0.05),
    factor("speeding_minutes_per_100mi", 12.34, 0.07),
    factor("late_night_miles_per_100mi", 9.0, 0.0004),
    factor("aggressive_turning_events_per_100mi", None, 0.06),
]


def test_the_worst_controllable_behaviours_come_first_in_plain_words() -> None:
    tips = coaching_tips(FACTORS)
    assert [t.feature for t in tips] == ["speeding_minutes_per_100mi", "tailgating_time_ratio",
                                         "hard_braking_events_per_100mi"]
    assert tips[0].text == ("Keep to the posted speed limit. Speeding (12.3 minutes per 100 miles) "
                            "raised your risk score this period.")
    assert tips[1].text == ("Leave a gap of at least three seconds to the vehicle in front. "
                            "Following too closely (18% of driving time) raised your risk score this period.")
    assert [t.feature for t in coaching_tips(FACTORS, most=2)] == ["speeding_minutes_per_100mi",
                                                                   "tailgating_time_ratio"]


def test_nothing_to_coach_when_behaviours_lowered_the_score_or_were_not_reported() -> None:
    calm = [factor("speeding_minutes_per_100mi", 0.0, -0.04), factor("miles", 9000.0, 0.2),
            factor("hard_braking_events_per_100mi", None, 0.1), factor("tailgating_time_ratio", 0.3, 0.0001)]
    assert coaching_tips(calm) == []


def test_equal_contributions_are_ordered_by_name() -> None:
    tied = [factor("tailgating_time_ratio", 0.2, 0.01), factor("hard_braking_events_per_100mi", 3.0, 0.01)]
    assert [t.feature for t in coaching_tips(tied)] == ["hard_braking_events_per_100mi", "tailgating_time_ratio"]


def test_tips_from_real_explanations_name_only_adverse_behaviours(model: RiskModel, rows: np.ndarray) -> None:
    for explanation in explain_batch(model, rows[:40]):
        tips = coaching_tips(explanation.contributions)
        assert len(tips) <= 3 and all(t.feature in ADVICE and t.contribution > 0 for t in tips)
        assert [t.contribution for t in tips] == sorted((t.contribution for t in tips), reverse=True)
