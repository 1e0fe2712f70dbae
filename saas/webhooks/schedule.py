"""When to retry a failed webhook delivery: exponential backoff with a cap, no jitter.

The Standard Webhooks spec recommends exponential retries over several days (its example: 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). Ours: 5 s, then ×4 per attempt, capped at 24 h,
ten attempts in all (the first immediate): 5 s, 20 s, 80 s, ~5 min, ~21 min, ~85 min, ~5.7 h,
~22.8 h, 24 h, about 2.3 days end to end. Deterministic, so a retried job computes the same
schedule and tests can state it; spreading load (jitter) belongs to the queue, not to this rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first_retry_s: float = 5.0
    factor: float = 4.0
    cap_s: float = 24 * 3600.0
    max_attempts: int = 10
    """Attempts including the first; after the last failure the endpoint owner is told instead."""

    def __post_init__(self) -> None:
        if self.first_retry_s <= 0 or self.factor < 1 or self.cap_s < self.first_retry_s or self.max_attempts < 1:
            raise ValueError("backoff needs first_retry_s > 0, factor >= 1, cap_s >= first_retry_s, max_attempts >= 1")


DEFAULT = Backoff()


def delay_before(attempt: int, policy: Backoff = DEFAULT, *, retry_after_s: float | None = None) -> float | None:
    """Seconds to wait before ``attempt`` (1 = the first delivery, sent at once), or ``None`` when
    attempts are used up. A receiver's ``Retry-After`` lengthens the wait, never beyond the cap."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, got {attempt}")
    if attempt > policy.max_attempts:
        return None
    if attempt == 1:
        return 0.0
    delay = policy.first_retry_s
    for _ in range(attempt - 2):
        delay *= policy.factor
        if delay >= policy.cap_s:
            break
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return min(delay, policy.cap_s)


def schedule(policy: Backoff = DEFAULT) -> list[float]:
    """Every wait, attempt 1 to the last: for docs, dashboards and tests."""
    return [d for a in range(1, policy.max_attempts + 1) if (d := delay_before(a, policy)) is not None]
