"""The database: one async engine and session factory per process, one declarative Base.

SQLite (aiosqlite) is the embedded default and PostgreSQL (asyncpg) the production shape; code
above this module must not care which. JSON is therefore stored as canonical JSON *text* rather
than a JSON column type, so both dialects store, compare and hash the very same bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import MetaData, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from saas.settings import ROOT, load_settings

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so alembic migrations name the same thing on both dialects."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another writer before failing; SQLite serialises writers."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers proceed while one writer appends; the busy timeout queues writers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for ``url``; SQLite files get their directory created and their pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def upsert(session: AsyncSession, table: type[Base] | Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ``on_conflict_do_nothing``/``_do_update`` on either dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class Database:
    """An engine plus its session factory: what the app keeps in its state and jobs open."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session_scope(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        """Whether the database answers now (for /readyz): never raises."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (OSError, SQLAlchemyError):
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


ALEMBIC_INI = ROOT / "alembic.ini"


def _alembic(connection: Any, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


async def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Apply the alembic migrations to ``database`` over its own engine (CLI, tests, demo setup)."""
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "upgrade", revision)


async def downgrade_schema(database: Database, revision: str = "base") -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", revision)


_default: Database | None = None


def default_database() -> Database:
    """The process-wide database of ``SAAS_DATABASE_URL``, created on first use."""
    global _default
    if _default is None:
        _default = Database(load_settings().database_url)
    return _default


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """A transaction on the process-wide database (CLI commands and in-process jobs)."""
    async with default_database().session_scope() as session:
        yield session


async def dispose_default() -> None:
    global _default
    if _default is not None:
        await _default.dispose()
        _default = None


def run_in_session(action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one transaction from synchronous code (CLI commands), then release the engine."""

    async def scoped() -> T:
        try:
            async with session_scope() as session:
                return await action(session)
        finally:
            await dispose_default()

    return asyncio.run(scoped())
