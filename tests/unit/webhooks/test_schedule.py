"""The retry schedule: exact waits, the cap, giving up, and Retry-After."""

from __future__ import annotations

import pytest

from saas.webhooks.schedule import DEFAULT, Backoff, delay_before, schedule

pytestmark = pytest.mark.unit


def test_the_default_schedule_is_exact() -> None:
    assert schedule() == [0.0, 5.0, 20.0, 80.0, 320.0, 1280.0, 5120.0, 20480.0, 81920.0, 86400.0]
    assert delay_before(11) is None and delay_before(1000) is None


def test_waits_never_shrink_and_never_pass_the_cap() -> None:
    policy = Backoff(first_retry_s=1.0, factor=10.0, cap_s=3600.0, max_attempts=500)
    waits = schedule(policy)
    assert len(waits) == 500 and waits[:6] == [0.0, 1.0, 10.0, 100.0, 1000.0, 3600.0]
    assert waits == sorted(waits) and max(waits) == 3600.0
    assert schedule(Backoff(factor=1.0, max_attempts=4)) == [0.0, 5.0, 5.0, 5.0]


def test_retry_after_lengthens_a_wait_up_to_the_cap() -> None:
    assert delay_before(2, retry_after_s=120) == 120.0
    assert delay_before(4, retry_after_s=10) == 80.0
    assert delay_before(3, retry_after_s=10 * 86400) == DEFAULT.cap_s
    assert delay_before(11, retry_after_s=5) is None


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError, match="count from 1"):
        delay_before(0)
    with pytest.raises(ValueError, match="backoff needs"):
        Backoff(factor=0.5)
    with pytest.raises(ValueError, match="backoff needs"):
        Backoff(first_retry_s=10.0, cap_s=5.0)
