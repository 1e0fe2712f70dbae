"""The background poll every process runs for each versioned cache (rates, configurations and
rulesets): call ``refresh`` every ``interval`` seconds on this event loop, survive a database blip
(the next poll retries), and stop cleanly with the process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("saas.versioning")
POLL_SECONDS = 1.0
"""How often a process checks a generation counter: the bound on how stale another replica is."""


class Poller:
    def __init__(self, refresh: Callable[[], Awaitable[Any]], name: str) -> None:
        self.refresh, self.name = refresh, name
        self._task: asyncio.Task[None] | None = None

    def start(self, interval: float = POLL_SECONDS) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll(interval), name=self.name)

    async def _poll(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # a database blip must not end the watcher; the next poll retries
                log.warning("%s: could not refresh", self.name, exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task
