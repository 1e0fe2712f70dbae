"""Alembic migrations apply (and revert) on both supported databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import saas.audit.models
import saas.fairness.models
import saas.tenancy.models
import saas.trips.models
import saas.webhooks.models  # noqa: F401  (the tables the migrations must match)
from saas.db import Base, Database, downgrade_schema, upgrade_schema
from tests.services import PostgresServer

pytestmark = pytest.mark.integration
HEAD = "0010"

TABLES = {"api_keys", "audit_entries", "audit_heads", "snapshots", "rate_versions", "rate_version_events",
          "rate_deployments", "rate_test_runs", "rate_generation", "drivers", "trips", "scoring_runs",
          "scoring_chunks", "driver_scores", "webhook_deliveries", "webhook_endpoints",
          "key_generation", "content_versions", "content_events", "content_deployments", "content_test_runs",
          "content_generation", "tenants", "console_sessions", "fairness_proxies", "fairness_reports",
          "fairness_gates", "fairness_signoffs"}


async def schema_of(database: Database) -> tuple[set[str], str | None]:
    async with database.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        version = None
        if "alembic_version" in tables:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    return tables - {"alembic_version"}, version


async def round_trip(database: Database) -> None:
    try:
        await upgrade_schema(database)
        tables, version = await schema_of(database)
        assert tables == TABLES == set(Base.metadata.tables) & TABLES
        assert version == HEAD
        await downgrade_schema(database)
        assert (await schema_of(database))[0] == set()
        await upgrade_schema(database)
        assert (await schema_of(database))[0] == TABLES
    finally:
        await database.dispose()


async def test_upgrade_head_on_postgresql(postgres_server: PostgresServer) -> None:
    await round_trip(Database(postgres_server.create_database("migrations_check")))


async def test_upgrade_head_on_sqlite(tmp_path: Path) -> None:
    await round_trip(Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"))


async def test_migrations_match_the_models(postgres_server: PostgresServer) -> None:
    """A model changed without a migration (or the reverse) shows up here, on PostgreSQL."""
    database = Database(postgres_server.create_database("drift_check"))
    try:
        await upgrade_schema(database)
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}),
                                              Base.metadata))
    finally:
        await database.dispose()
    assert diff == []


async def upgrade_with_data(database: Database) -> None:
    """A database at the last head before rate versions (0001), holding a key, a chain and a
    snapshot, upgrades to head without losing or altering a row, and the chain still verifies."""
    from saas.audit.schemas import NewEntry
    from saas.audit.service import append_decisions, verify
    from saas.tenancy.keys import authenticate, create_key

    try:
        await upgrade_schema(database, "0001")
        async with database.session_scope() as session:
            _, key = await create_key(session, "partner-a", "rating", "before upgrade")
            await append_decisions(session, "partner-a", [NewEntry(kind="quote", payload={"n": i}) for i in range(3)])
            await session.execute(text("INSERT INTO snapshots (kind, hash, tenant_id, content, created_at) "
                                       "VALUES ('ruleset', 'h', NULL, 'x', '2026-01-01T00:00:00.000000Z')"))
        before = await _rows(database)
        await upgrade_schema(database)
        assert (await schema_of(database))[1] == HEAD
        assert await _rows(database) == before
        async with database.sessions() as session:
            assert (await authenticate(session, key)).tenant_id == "partner-a"
            assert (await verify(session, "partner-a")).ok
    finally:
        await database.dispose()


async def _rows(database: Database) -> list[tuple[object, ...]]:
    async with database.sessions() as session:
        rows: list[tuple[object, ...]] = []
        for table, order in (("api_keys", "id"), ("audit_entries", "seq"), ("audit_heads", "tenant_id"),
                             ("snapshots", "hash")):
            rows += [tuple(r) for r in (await session.execute(text(f"SELECT * FROM {table} ORDER BY {order}")))]
    return rows


async def test_upgrade_with_data_on_postgresql(postgres_server: PostgresServer) -> None:
    await upgrade_with_data(Database(postgres_server.create_database("upgrade_with_data")))


async def test_upgrade_with_data_on_sqlite(tmp_path: Path) -> None:
    await upgrade_with_data(Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"))
