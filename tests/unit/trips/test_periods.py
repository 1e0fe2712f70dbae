"""Months as ``YYYY-MM``: the one before is always another valid month string, however early."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas.errors import ConfigError
from saas.trips.api_schemas import PERIOD, previous_period
from saas.yamlio import compose

pytestmark = pytest.mark.unit


@given(st.integers(min_value=0, max_value=9999), st.integers(min_value=1, max_value=12))
def test_the_month_before_is_a_period(year: int, month: int) -> None:
    before = previous_period(f"{year:04d}-{month:02d}")
    assert PERIOD.match(before), before
    if (year, month) > (1, 1):
        expected = (year - 1, 12) if month == 1 else (year, month - 1)
        assert (int(before[:4]), int(before[5:])) == expected


def test_a_lone_surrogate_in_yaml_text_is_a_located_error() -> None:
    with pytest.raises(ConfigError) as caught:
        compose("id: a\nname: x\ud884y\n", "upload.yaml")
    assert str(caught.value.issues[0].location) == "upload.yaml:2:8"
