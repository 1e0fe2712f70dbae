"""Per-tenant token buckets: one tenant's burst never spends another tenant's quota."""

from __future__ import annotations

import pytest

from saas.errors import PayloadTooLarge, RateLimited
from saas.tenancy.ratelimit import TenantRateLimiter

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_is_per_tenant_and_refills() -> None:
    clock = Clock()
    limiter = TenantRateLimiter(60, burst=3, clock=clock)
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(RateLimited, match=r"retry in 1\.0s"):
        limiter.take("a")
    limiter.take("b")  # another tenant is untouched
    clock.now = 1.0
    limiter.take("a")  # one token back after one second at 60/min
    with pytest.raises(RateLimited):
        limiter.take("a")


def test_bulk_cost_is_all_or_nothing() -> None:
    clock = Clock()
    limiter = TenantRateLimiter(600, burst=10, clock=clock)
    limiter.take("a", cost=4)
    with pytest.raises(RateLimited):
        limiter.take("a", cost=7)
    limiter.take("a", cost=6)  # the refused request spent nothing
    with pytest.raises(RateLimited):
        limiter.take("a", cost=1)


def test_a_request_larger_than_a_full_bucket_is_too_large_not_rate_limited() -> None:
    limiter = TenantRateLimiter(600, clock=Clock())
    with pytest.raises(PayloadTooLarge, match="601 quotes in one request exceed the tenant's whole quota of 600"):
        limiter.take("a", cost=601)
    limiter.take("a", cost=600)  # nothing was spent by the refused request
