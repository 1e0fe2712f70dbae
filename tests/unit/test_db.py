"""The database layer on SQLite: pragmas, transaction scope, default database from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from saas import db
from saas.db import SQLITE_BUSY_TIMEOUT_MS, Database, upgrade_schema
from tests.services import free_port

pytestmark = pytest.mark.unit


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'saas.db'}")
    try:
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one() == SQLITE_BUSY_TIMEOUT_MS
        assert (tmp_path / "nested" / "dir" / "saas.db").exists()
    finally:
        await database.dispose()


async def test_session_scope_commits_or_rolls_back_as_a_whole(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'saas.db'}")
    insert = text("INSERT INTO snapshots (kind, hash, content, created_at) VALUES ('model', :h, '{}', 'now')")
    try:
        await upgrade_schema(database)
        async with database.session_scope() as session:
            await session.execute(insert, {"h": "kept"})
        with pytest.raises(RuntimeError):
            async with database.session_scope() as session:
                await session.execute(insert, {"h": "dropped"})
                raise RuntimeError("the caller failed after writing")
        async with database.session_scope() as session:
            hashes = (await session.execute(text("SELECT hash FROM snapshots"))).scalars().all()
        assert hashes == ["kept"]
    finally:
        await database.dispose()


async def test_the_default_database_follows_saas_database_url(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("SAAS_DATABASE_URL", url)
    await db.dispose_default()
    try:
        assert db.default_database().url == url
        assert db.default_database() is db.default_database()
        async with db.session_scope() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.dispose_default()


async def test_ping_tells_whether_the_database_answers(tmp_path: Path) -> None:
    reachable = Database(f"sqlite+aiosqlite:///{tmp_path / 'saas.db'}")
    nobody_listens = Database(f"postgresql+asyncpg://saas@127.0.0.1:{free_port()}/saas")
    try:
        assert await reachable.ping() is True
        assert await nobody_listens.ping() is False
    finally:
        await reachable.dispose()
        await nobody_listens.dispose()
