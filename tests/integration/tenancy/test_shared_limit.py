"""The Redis token bucket: replicas share one quota per tenant; an outage degrades to per replica."""

from __future__ import annotations

import asyncio
import math
import time
from uuid import uuid4

import pytest

from saas.errors import PayloadTooLarge, RateLimited
from saas.tenancy.shared_limit import SharedRateLimiter
from tests.services import free_port
from tests.waiting import LOADED

pytestmark = pytest.mark.integration


async def spend(limiter: SharedRateLimiter, tenant: str) -> bool:
    try:
        await limiter.acquire(tenant)
    except RateLimited:
        return False
    return True


async def test_two_replicas_share_one_bucket_per_tenant(redis_url: str) -> None:
    # the test's own Redis timeout: 100 connections at once on a loaded machine outlast the 0.5 s after
    # which a replica limits on its own (granting up to 100), which is the outage path, not this one
    replicas = [SharedRateLimiter(redis_url, 60, prefix=f"t{uuid4().hex[:6]}:", timeout_s=5 * LOADED)
                for _ in range(2)]
    replicas[1].prefix = replicas[0].prefix
    try:
        tenant, other = "partner-a", "partner-b"
        started = time.perf_counter()
        granted = await asyncio.gather(*(spend(replicas[i % 2], tenant) for i in range(100)))
        refilled = math.ceil((time.perf_counter() - started) * replicas[0].rate)  # 1 a second while they ran
        assert 60 <= sum(granted) <= 60 + refilled, refilled  # one minute's quota, shared, plus the refill
        assert await spend(replicas[1], other)
        with pytest.raises(PayloadTooLarge, match="exceed the tenant's whole quota of 60"):
            await replicas[0].acquire(other, cost=61)
        await replicas[0].acquire(other, cost=59)  # the refused request spent nothing
    finally:
        for limiter in replicas:
            await limiter.close()


async def test_without_redis_each_replica_limits_on_its_own() -> None:
    limiter = SharedRateLimiter(f"redis://127.0.0.1:{free_port()}/0", 60, burst=3)
    try:
        assert [await spend(limiter, "partner-a") for _ in range(4)] == [True, True, True, False]
    finally:
        await limiter.close()


async def test_warm_loads_the_script_before_the_first_request_and_survives_no_redis(
        redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    limiter = SharedRateLimiter(redis_url, 60, prefix=f"w{uuid4().hex[:6]}:")
    try:
        await limiter.redis.script_flush()
        await limiter.warm()
        assert await limiter.redis.script_exists(limiter._script.sha) == [True]
    finally:
        await limiter.close()
    absent = SharedRateLimiter(f"redis://127.0.0.1:{free_port()}/0", 60)
    try:
        await absent.warm()
        assert "Redis unavailable at start" in caplog.text
        assert await spend(absent, "partner-a")  # limited per replica, not refused
    finally:
        await absent.close()
