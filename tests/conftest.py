"""Shared fixtures. Servers start lazily: only when a test (or fixture) asks for them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from saas.db import Database, upgrade_schema
from tests.services import PostgresServer, RedisServer

settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")
"""Hypothesis's per-example deadline (200 ms) and its too-slow health check time the machine, not
the property: on a loaded machine they failed tests whose every example held. Examples and seeds
stay Hypothesis's own; a test may still set ``max_examples``."""


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database (no tables) on the session's PostgreSQL."""
    return postgres_server.create_database("saas_test")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def pg_database(pg_url: str) -> AsyncIterator[Database]:
    """The migrated PostgreSQL database; tests isolate themselves by using their own tenant ids."""
    database = Database(pg_url, pool_size=10, max_overflow=20)
    await upgrade_schema(database)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_database: Database) -> AsyncEngine:
    return pg_database.engine


@pytest.fixture(scope="session")
def pg_sessions(pg_database: Database) -> async_sessionmaker[AsyncSession]:
    return pg_database.sessions


@pytest.fixture
async def pg_session(pg_database: Database) -> AsyncIterator[AsyncSession]:
    """A session in an open transaction, committed when the test returns normally."""
    async with pg_database.session_scope() as session:
        yield session


@pytest.fixture(scope="session")
async def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """A migrated SQLite file database for the session; tests isolate themselves by tenant id."""
    path = tmp_path_factory.mktemp("sqlite") / "saas.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_schema(database)
    yield database
    await database.dispose()
