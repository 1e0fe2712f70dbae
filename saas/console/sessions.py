"""Signing in to the console: an API key exchanged for a server-side session, and what ends one.

The browser keeps only a random token in an HttpOnly cookie; the database keeps its SHA-256, the
key it was opened with, a CSRF token and when it was last used. Every request re-reads the key
(``live_principal``), so revoking it ends its sessions from the next request on, in every replica,
and the role shown is always the key's current one. A session also ends after
``IDLE_TIMEOUT_SECONDS`` without a request and ``MAX_AGE_SECONDS`` after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from msgspec import Struct
from sqlalchemy import delete, select, update

from saas.console.models import ConsoleSession
from saas.db import Database
from saas.errors import Unauthenticated
from saas.tenancy.keys import Principal, authenticate, live_principal

IDLE_TIMEOUT_SECONDS = 30 * 60
"""A console left alone for half an hour asks for the key again."""
MAX_AGE_SECONDS = 12 * 3600
"""However busy, a session lasts one working day."""
TOUCH_SECONDS = 30.0
"""``last_seen_at`` is written at most this often per session, so pages do not each cost a write."""
NOT_SIGNED_IN = "not signed in"


class ConsoleUser(Struct, frozen=True):
    """Who is signed in: the key's principal (as the API sees it) and the session's CSRF token."""

    principal: Principal
    csrf_token: str
    session_id: str

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    @property
    def role(self) -> str:
        return self.principal.role


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ConsoleSessions:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS, max_age: float = MAX_AGE_SECONDS) -> None:
        self.db, self.clock, self.idle_timeout, self.max_age = db, clock, idle_timeout, max_age

    async def open(self, api_key: str) -> tuple[str, ConsoleUser]:
        """A new session for a valid key: the cookie's token (returned once) and the user."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        async with self.db.session_scope() as session:
            principal = await authenticate(session, api_key.strip())
            row = ConsoleSession(id=token_digest(token), key_id=principal.key_id, csrf_token=csrf, created_at=now,
                                 last_seen_at=now)
            session.add(row)
        return token, ConsoleUser(principal, csrf, row.id)

    async def resume(self, token: str) -> ConsoleUser:
        """The user of a live session; Unauthenticated (and the session deleted) when it has ended."""
        digest, now = token_digest(token), self.clock()
        ended: str | None = None
        async with self.db.session_scope() as session:  # the deletion commits before the refusal is raised
            found = await session.execute(select(ConsoleSession).where(ConsoleSession.id == digest))
            row = found.scalar_one_or_none()
            if row is None:
                raise Unauthenticated(NOT_SIGNED_IN)
            if now - row.last_seen_at > self.idle_timeout or now - row.created_at > self.max_age:
                await session.execute(delete(ConsoleSession).where(ConsoleSession.id == digest))
                ended = "the session timed out; sign in again"
            else:
                try:
                    principal = await live_principal(session, row.key_id)
                except Unauthenticated:
                    await session.execute(delete(ConsoleSession).where(ConsoleSession.key_id == row.key_id))
                    ended = "the key of this session was revoked"
            if ended is None and now - row.last_seen_at >= TOUCH_SECONDS:
                await session.execute(update(ConsoleSession).where(ConsoleSession.id == digest)
                                      .values(last_seen_at=now))
        if ended is not None:
            raise Unauthenticated(ended)
        return ConsoleUser(principal, row.csrf_token, digest)

    async def exchange(self, token: str) -> tuple[str, ConsoleUser]:
        """A sign-in link's token for a new session: the link's session is deleted, so it works once."""
        user = await self.resume(token)
        fresh, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        async with self.db.session_scope() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.id == user.session_id))
            session.add(ConsoleSession(id=token_digest(fresh), key_id=user.principal.key_id, csrf_token=csrf,
                                       created_at=now, last_seen_at=now))
        return fresh, ConsoleUser(user.principal, csrf, token_digest(fresh))

    async def close(self, token: str) -> None:
        """Sign out: the session is deleted, so the cookie is worthless even if it was copied."""
        async with self.db.session_scope() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.id == token_digest(token)))
