"""A short-lived in-process cache of successful authentications.

The quote path authenticates every request; a 30 s cache keyed by the SHA-256 of the presented key
spares the database that lookup. Revoking a key evicts it here at once and bumps the database's
key generation; while serving from the cache, a process re-reads that one number at most every
``REVOCATION_CHECK_SECONDS`` and empties the cache when it moved. So a key revoked anywhere stops
working in every process within that bound, for one tiny read per process per interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saas.tenancy.keys import Principal

AUTH_CACHE_TTL_SECONDS = 30.0
REVOCATION_CHECK_SECONDS = 0.25
"""The bound on how long a key revoked in another process can still be used here."""
AUTH_CACHE_MAX_ENTRIES = 10_000
"""Enough for every live key of every tenant; a flood of distinct keys just clears the cache."""


class AuthCache:
    def __init__(self, ttl: float = AUTH_CACHE_TTL_SECONDS, max_entries: int = AUTH_CACHE_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        self.generation: int | None = None
        self._checked = float("-inf")

    def due(self) -> bool:
        """Whether the key generation must be read again before a cached entry is trusted."""
        return self.clock() - self._checked >= REVOCATION_CHECK_SECONDS

    def observe(self, generation: int) -> bool:
        """Record the database's key generation; empty the cache and return True when it moved."""
        self._checked = self.clock()
        moved = generation != self.generation
        if moved:
            self._entries.clear()
            self.generation = generation
        return moved

    def get(self, key_hash: bytes) -> Principal | None:
        hit = self._entries.get(key_hash)
        if hit is None:
            return None
        principal, expires = hit
        if self.clock() >= expires:
            self._entries.pop(key_hash, None)
            return None
        return principal

    def put(self, key_hash: bytes, principal: Principal) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key_hash] = (principal, self.clock() + self.ttl)

    def forget_key(self, key_id: str) -> None:
        """Evict every cached authentication of ``key_id`` (revocation)."""
        stale = [h for h, (principal, _) in self._entries.items() if principal.key_id == key_id]
        for key_hash in stale:
            del self._entries[key_hash]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


AUTH_CACHE = AuthCache()
"""The process-wide cache used by ``authenticate`` and ``revoke_key``."""
