"""Waiting in tests for a condition, never for a stretch of time.

A fault test's worst case is a sum of the settings it set (a chunk's timeout, the heartbeat's
grace, the maintenance interval, the retry intervals); on a machine whose cores are all busy the
same work takes several times longer, so the bound is that worst case times ``LOADED``. Polling
stops as soon as the condition holds, so the bound costs nothing on a fast machine. On giving up,
the error says what was awaited, for how long, and what was seen last.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

LOADED = 8.0
"""How much slower a test's processes may run on a machine under full load than idle: with
``stress-ng --cpu 2`` and other engineers' suites the 2 cores ran at load average 8, and a
Schemathesis role (~40 s idle) outlasted 4 x 60 s. Bounds are the settings' worst case times this."""
POLL_S = 0.1


async def until(probe: Callable[[], Awaitable[T]], holds: Callable[[T], bool], *, within_s: float, what: str,
                poll_s: float = POLL_S) -> T:
    """Call ``probe`` until ``holds`` accepts what it returned; that value is the result."""
    deadline = time.monotonic() + within_s
    while True:
        seen = await probe()
        if holds(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {within_s:.0f} s for {what}; last seen: {seen!r}")
        await asyncio.sleep(poll_s)


def until_sync(probe: Callable[[], T], holds: Callable[[T], bool], *, within_s: float, what: str,
               poll_s: float = POLL_S) -> T:
    """``until`` for code outside an event loop."""
    deadline = time.monotonic() + within_s
    while True:
        seen = probe()
        if holds(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {within_s:.0f} s for {what}; last seen: {seen!r}")
        time.sleep(poll_s)
