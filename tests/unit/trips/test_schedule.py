"""When a tenant's monthly run fires, and which month it scores."""

from __future__ import annotations

import datetime as dt

import pytest

from saas.tenancy.schemas import ScoringSchedule
from saas.trips.schedule import job_id, next_fire, period_for

pytestmark = pytest.mark.unit
UTC = dt.UTC


@pytest.mark.parametrize(("now", "fire"), [
    (dt.datetime(2026, 11, 1, 0, 0, tzinfo=UTC), dt.datetime(2026, 11, 2, 3, tzinfo=UTC)),
    (dt.datetime(2026, 11, 2, 3, 0, tzinfo=UTC), dt.datetime(2026, 12, 2, 3, tzinfo=UTC)),  # strictly after
    (dt.datetime(2026, 12, 28, 23, 0, tzinfo=UTC), dt.datetime(2027, 1, 2, 3, tzinfo=UTC)),
])
def test_next_fire_is_the_next_day_and_hour_strictly_after_now(now: dt.datetime, fire: dt.datetime) -> None:
    assert next_fire(ScoringSchedule(day=2, hour_utc=3), now) == fire


def test_a_firing_scores_the_month_before_and_has_one_id_per_month() -> None:
    fire = dt.datetime(2027, 1, 2, 3, tzinfo=UTC)
    assert period_for(fire) == "2026-12"
    assert job_id("partner-a", fire) == "schedule-partner-a-2027-01"
