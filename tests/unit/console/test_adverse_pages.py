"""The register's and the bundle's month: the API's YYYY-MM pattern, this month when none is given."""

from __future__ import annotations

import datetime as dt

import pytest

from saas.console.adverse_pages import month_of
from saas.errors import ValidationFailed

pytestmark = pytest.mark.unit
NOW = dt.date(2026, 12, 3)


def test_no_month_is_the_current_one_and_a_month_is_kept() -> None:
    assert month_of(None, NOW) == month_of("  ", NOW) == "2026-12"
    assert month_of(" 2026-01 ", NOW) == "2026-01"


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "2026-1", "26-01", "2026-01x", "'; drop"])
def test_a_malformed_month_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        month_of(raw, NOW)
    assert refused.value.path == "period" and "YYYY-MM" in refused.value.detail
