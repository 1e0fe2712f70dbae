"""Console sessions on a real (SQLite) database: what opens one, what ends one, and that the key is
re-read on every request (a revoked key's sessions end at its next request, and are deleted)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saas.console.models import ConsoleSession
from saas.console.sessions import IDLE_TIMEOUT_SECONDS, MAX_AGE_SECONDS, ConsoleSessions, token_digest
from saas.db import Database
from saas.errors import Unauthenticated
from saas.tenancy.keys import create_key, revoke_key

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def key(db: Database, role: str = "admin", tenant: str = "console-t") -> tuple[str, str]:
    async with db.session_scope() as session:
        info, plaintext = await create_key(session, tenant, role, f"{tenant} {role}")
    return info.id, plaintext


async def count(db: Database, key_id: str) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(ConsoleSession)
                                          .where(ConsoleSession.key_id == key_id))).scalar_one())


async def test_a_key_opens_a_session_whose_token_is_stored_only_as_a_hash(sqlite_database: Database) -> None:
    key_id, plaintext = await key(sqlite_database)
    sessions = ConsoleSessions(sqlite_database)
    token, user = await sessions.open(plaintext)
    assert (user.tenant_id, user.role, user.principal.key_id) == ("console-t", "admin", key_id)
    assert len(user.csrf_token) >= 40 and user.csrf_token != token
    async with sqlite_database.sessions() as session:
        ids = (await session.execute(select(ConsoleSession.id).where(ConsoleSession.key_id == key_id))).scalars().all()
    assert ids == [token_digest(token)] and token not in ids
    resumed = await sessions.resume(token)
    assert resumed.principal == user.principal and resumed.csrf_token == user.csrf_token


async def test_a_wrong_or_revoked_key_opens_nothing(sqlite_database: Database) -> None:
    key_id, plaintext = await key(sqlite_database, tenant="console-u")
    sessions = ConsoleSessions(sqlite_database)
    with pytest.raises(Unauthenticated):
        await sessions.open(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"))
    async with sqlite_database.session_scope() as session:
        await revoke_key(session, key_id)
    with pytest.raises(Unauthenticated):
        await sessions.open(plaintext)
    assert await count(sqlite_database, key_id) == 0


async def test_revoking_the_key_ends_every_session_at_its_next_request(sqlite_database: Database) -> None:
    key_id, plaintext = await key(sqlite_database, tenant="console-v")
    sessions = ConsoleSessions(sqlite_database)
    first, _ = await sessions.open(plaintext)
    second, _ = await sessions.open(plaintext)
    assert await count(sqlite_database, key_id) == 2
    async with sqlite_database.session_scope() as session:
        await revoke_key(session, key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        await sessions.resume(first)
    assert await count(sqlite_database, key_id) == 0
    with pytest.raises(Unauthenticated):
        await sessions.resume(second)


async def test_idle_and_absolute_limits_end_a_session(sqlite_database: Database) -> None:
    key_id, plaintext = await key(sqlite_database, tenant="console-w")
    clock = Clock()
    sessions = ConsoleSessions(sqlite_database, clock=clock)
    token, _ = await sessions.open(plaintext)
    clock.now += IDLE_TIMEOUT_SECONDS - 1
    await sessions.resume(token)  # used in time: the idle clock starts again
    clock.now += IDLE_TIMEOUT_SECONDS - 1
    await sessions.resume(token)
    clock.now += IDLE_TIMEOUT_SECONDS + 1
    with pytest.raises(Unauthenticated, match="timed out"):
        await sessions.resume(token)
    assert await count(sqlite_database, key_id) == 0

    busy, _ = await sessions.open(plaintext)
    opened = clock.now
    while clock.now - opened <= MAX_AGE_SECONDS + IDLE_TIMEOUT_SECONDS:  # used every quarter of an hour
        clock.now += IDLE_TIMEOUT_SECONDS / 2
        try:
            await sessions.resume(busy)
        except Unauthenticated as exc:
            assert "timed out" in exc.detail
            break
    assert MAX_AGE_SECONDS < clock.now - opened <= MAX_AGE_SECONDS + IDLE_TIMEOUT_SECONDS / 2


async def test_sign_out_deletes_the_session(sqlite_database: Database) -> None:
    key_id, plaintext = await key(sqlite_database, tenant="console-x")
    sessions = ConsoleSessions(sqlite_database)
    token, _ = await sessions.open(plaintext)
    await sessions.close(token)
    with pytest.raises(Unauthenticated, match="not signed in"):
        await sessions.resume(token)
    assert await count(sqlite_database, key_id) == 0
