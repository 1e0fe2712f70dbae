"""Per-tenant request rate limiting.

Keyed by tenant, not by IP: one partner's batch job behind a NAT must not starve another partner,
and one partner spreading calls over many addresses must not escape its quota. A token bucket per
tenant refills continuously; bulk requests cost one token per quote, so the quota is in quotes.

Embedded (no Redis), the bucket lives in the process. With ``SAAS_REDIS_URL`` the bucket lives in
Redis (``saas.tenancy.shared_limit``) so any number of replicas share one quota per tenant. A
request costing more than the bucket can ever hold is refused as too large (413), not as a 429
that no wait would cure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from saas.errors import PayloadTooLarge, RateLimited


@runtime_checkable
class RateLimiter(Protocol):
    """What handlers use: spend ``cost`` of the tenant's quota or raise RateLimited/PayloadTooLarge."""

    async def acquire(self, tenant_id: str, cost: int = 1) -> None: ...

    async def warm(self) -> None:
        """Before serving: open what the first request would otherwise wait for; never raises."""


def refuse_oversized(cost: int, capacity: float, per_minute: int) -> None:
    if cost > capacity:
        raise PayloadTooLarge(f"{cost} quotes in one request exceed the tenant's whole quota of {int(capacity)} "
                              f"(a full bucket, {per_minute} a minute); split the request", path="$")


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TenantRateLimiter:
    def __init__(self, per_minute: int, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(per_minute, 1))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    async def acquire(self, tenant_id: str, cost: int = 1) -> None:
        self.take(tenant_id, cost)

    async def warm(self) -> None:
        """An in-process bucket has nothing to open."""

    def take(self, tenant_id: str, cost: int = 1) -> None:
        """Spend ``cost`` tokens of the tenant's bucket or raise RateLimited without spending any."""
        refuse_oversized(cost, self.capacity, self.per_minute)
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(tenant_id)
            if bucket is None:
                bucket = self._buckets[tenant_id] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < cost:
                wait = (cost - bucket.tokens) / self.rate if self.rate else float("inf")
                raise RateLimited(f"tenant rate limit exceeded; retry in {wait:.1f}s")
            bucket.tokens -= cost
