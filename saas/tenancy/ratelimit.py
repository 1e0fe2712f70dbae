"""Per-tenant request rate limiting.

Keyed by tenant, not by IP: one partner's batch job behind a NAT must not starve another partner,
and one partner spreading calls over many addresses must not escape its quota. A token bucket per
tenant refills continuously; bulk requests cost one token per quote, so the quota is in quotes.
The bucket lives in the process (per API replica); the per-replica quota is the tenant's quota
divided by the number of replicas, which the operator sets through ``SAAS_RATE_LIMIT_PER_MINUTE``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from saas.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TenantRateLimiter:
    def __init__(self, per_minute: int, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(per_minute, 1))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, tenant_id: str, cost: int = 1) -> None:
        """Spend ``cost`` tokens of the tenant's bucket or raise RateLimited without spending any."""
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
