"""PostgreSQL row security: connected as the application's role, a query without a tenant sees no
row of any tenant-owned table, a transaction sees only its tenant's, and writes for another tenant
are refused; the cross-tenant reads the platform needs (key lookup, the deployed-rates cache) and
the audit writer's several tenants in one transaction still work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions
from saas.catalog import load_catalog_or_raise
from saas.db import Base, Database, upgrade_schema
from saas.rates.imports import import_tables
from saas.rates.source import DeployedRates
from saas.rating.sources import FileRateSource
from saas.settings import load_settings
from saas.tenancy.auth_cache import AuthCache
from saas.tenancy.keys import authenticate, create_key, list_keys
from tests.services import PostgresServer

pytestmark = pytest.mark.integration

TENANT_TABLES = sorted(name for name, table in Base.metadata.tables.items() if "tenant_id" in table.c)


@pytest.fixture(scope="module")
async def databases(postgres_server: PostgresServer) -> AsyncIterator[tuple[Database, Database]]:
    owner = Database(postgres_server.create_database("row_security"))
    await upgrade_schema(owner)
    app = Database(postgres_server.app_role("row_security"))
    yield owner, app
    await app.dispose()
    await owner.dispose()


async def count(db: Database, table: str, tenant: str | None = None) -> int:
    async with db.session_scope() as session:
        if tenant is not None:
            await session.execute(text("SELECT set_config('saas.tenant', :t, true)"), {"t": tenant})
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_every_tenant_owned_table_forces_row_security(databases: tuple[Database, Database]) -> None:
    owner, _ = databases
    async with owner.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"),
            {"names": TENANT_TABLES})).all()
    assert sorted(rows) == [(name, True, True) for name in TENANT_TABLES]
    assert {"api_keys", "audit_entries", "snapshots", "rate_versions"} <= set(TENANT_TABLES)


async def test_the_app_role_sees_nothing_without_a_tenant_and_only_its_own_with_one(
        databases: tuple[Database, Database]) -> None:
    owner, app = databases
    async with app.session_scope() as session:  # written as the app role: each insert carries its tenant
        _, key_a = await create_key(session, "rls-a", "rating", "a")
        _, key_b = await create_key(session, "rls-b", "compliance", "b")
    async with app.session_scope() as session:  # one transaction, two tenants, as the audit writer does
        await append_decisions(session, "rls-a", [NewEntry(kind="quote", payload={"n": 1})])
        await append_decisions(session, "rls-b", [NewEntry(kind="quote", payload={"n": 2}),
                                                  NewEntry(kind="quote", payload={"n": 3})])
    for table in TENANT_TABLES:
        assert await count(app, table) == 0, f"{table} leaks rows to a transaction without a tenant"
    assert await count(owner, "api_keys") >= 2 and await count(owner, "audit_entries") >= 3
    assert (await count(app, "api_keys", "rls-a"), await count(app, "api_keys", "rls-b")) == (1, 1)
    assert (await count(app, "audit_entries", "rls-a"), await count(app, "audit_entries", "rls-b")) == (1, 2)
    async with app.session_scope() as session:
        assert [k.tenant_id for k in await list_keys(session, "rls-b")] == ["rls-b"]
        cache = AuthCache()
        assert (await authenticate(session, key_a, cache=cache)).tenant_id == "rls-a"
        assert (await authenticate(session, key_b, cache=cache)).tenant_id == "rls-b"


async def test_a_write_for_another_tenant_is_refused(databases: tuple[Database, Database]) -> None:
    _, app = databases
    with pytest.raises(DBAPIError, match="row-level security"):
        async with app.session_scope() as session:
            await session.execute(text("SELECT set_config('saas.tenant', 'rls-a', true)"))
            await session.execute(text(
                "INSERT INTO api_keys (id, tenant_id, prefix, secret_sha256, role, name, created_at) "
                "VALUES ('ffffffffffffffff', 'rls-b', 'rk_f', 'x', 'rating', 'forged', 'now')"))


async def test_the_rates_cache_reads_every_tenants_deployments(databases: tuple[Database, Database]) -> None:
    owner, app = databases
    settings = load_settings()
    catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
    decisions = DecisionLog(app)
    try:  # the shipped tables become versions and deployments of three tenants, written as the app role
        await import_tables(decisions, FileRateSource(catalog.rate_tables).tables())
    finally:
        await decisions.close()
    async with owner.session_scope() as session:
        deployed = int((await session.execute(text(
            "SELECT count(*) FROM rate_deployments WHERE withdrawn_at IS NULL"))).scalar_one())
    rates = DeployedRates(app)
    await rates.reload()
    assert deployed >= 13
    assert sum(len(v) for v in rates._by_key.values()) == deployed
    assert {tenant for tenant, *_ in rates._by_key} == {"partner-a", "partner-b", "fleet-co"}
