"""One rate limit per tenant across every replica: a token bucket kept in Redis.

The bucket is a Redis hash per tenant, read, refilled and spent by one Lua script, which Redis
runs atomically, so concurrent requests on any number of replicas never overspend it. Refill uses
the Redis server's clock, so replicas whose clocks disagree still share one rate.

If Redis cannot be reached the request is limited by this replica's own bucket instead (logged):
a limiter outage must not become an API outage, and the per-replica bucket still bounds a burst.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from saas.errors import RateLimited
from saas.tenancy.ratelimit import TenantRateLimiter, refuse_oversized

log = logging.getLogger("saas.ratelimit")

TOKEN_BUCKET = """
local rate, capacity, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""
"""Spend ``cost`` tokens if the refilled bucket holds them; returns (allowed, tokens left)."""


REDIS_TIMEOUT_S = 0.5
"""How long a quote waits on the limiter's Redis before limiting per replica instead."""


class SharedRateLimiter:
    def __init__(self, redis_url: str, per_minute: int, *, burst: int | None = None, prefix: str = "saas:rl:",
                 timeout_s: float = REDIS_TIMEOUT_S) -> None:
        self.redis: Any = Redis.from_url(redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self.per_minute = per_minute
        self.rate = max(per_minute, 1) / 60.0
        self.capacity = float(burst if burst is not None else max(per_minute, 1))
        self.prefix = prefix
        self.fallback = TenantRateLimiter(per_minute, burst=burst)
        self._script = self.redis.register_script(TOKEN_BUCKET)

    async def acquire(self, tenant_id: str, cost: int = 1) -> None:
        refuse_oversized(cost, self.capacity, self.per_minute)
        try:
            allowed, left = await self._script(keys=[self.prefix + tenant_id], args=[self.rate, self.capacity, cost])
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("rate limiter: Redis unavailable (%s); limiting per replica", exc)
            return await self.fallback.acquire(tenant_id, cost)
        if not int(allowed):
            wait = (cost - float(left)) / self.rate
            raise RateLimited(f"tenant rate limit exceeded; retry in {wait:.1f}s")

    async def warm(self) -> None:
        """Connect and load the script before the first request: a cold connection plus the script's
        first load is several round trips, and on a loaded machine they outlast the timeout, so the
        first request of each replica would be limited on the replica's own bucket instead."""
        try:
            await self.redis.script_load(TOKEN_BUCKET)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("rate limiter: Redis unavailable at start (%s); limiting per replica until it answers",
                        exc)

    async def close(self) -> None:
        await self.redis.aclose()
