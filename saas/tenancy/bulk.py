"""Tenant-scoped bulk reads and writes: many rows as columns, without an object per row.

Why: a monthly scoring chunk reads and writes thousands of rows, and SQLAlchemy's per-row result
machinery (ORM loading, then Core rows) cost more than PostgreSQL's own work on them. On
PostgreSQL these helpers go straight through the session's asyncpg connection, inside the
session's transaction, after setting row security's tenant exactly as a scoped ORM statement
does; the statements still come from ``TenantRepository`` (its scoped SELECT) or name the tenant
in a parameter, so scoping stays in one place. Other dialects (SQLite) run through Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenancy.row_security import bind_tenant


async def _driver_connection(session: AsyncSession, tenant_id: str) -> Any:
    """The asyncpg connection of the session's transaction, with ``saas.tenant`` set to the tenant."""
    await session.run_sync(bind_tenant, tenant_id)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def fetch_columns(session: AsyncSession, tenant_id: str, statement: Select[Any] | Any) -> dict[str, list[Any]]:
    """The rows of ``statement`` as one list per selected column (by label), in the statement's order.

    Only plain bind values (text, numbers) are supported on the asyncpg path: no type's bind
    processor runs, which is why callers keep such statements to simple comparisons."""
    names = list(statement.selected_columns.keys())
    if is_postgres(session):
        compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        values = [params[name] for name in compiled.positiontup or ()]
        records = await (await _driver_connection(session, tenant_id)).fetch(str(compiled), *values)
    else:
        records = (await session.execute(statement)).all()
    if not records:
        return {name: [] for name in names}
    return {name: list(column) for name, column in zip(names, zip(*records, strict=True), strict=True)}


async def copy_into(session: AsyncSession, tenant_id: str, table: str, columns: Sequence[str],
                    records: Iterable[Sequence[Any]]) -> None:
    """Binary COPY of ``records`` into ``table`` (PostgreSQL only), in the session's transaction.

    Row security forbids COPY into a tenant-owned table, so ``table`` is a staging (temporary)
    table; the caller moves its rows on with one scoped INSERT … SELECT."""
    connection = await _driver_connection(session, tenant_id)
    await connection.copy_records_to_table(table, columns=list(columns), records=records)


async def fetch_raw(session: AsyncSession, tenant_id: str, sql: str, *args: Any) -> list[Any]:
    """Rows of one query on the session's asyncpg connection with the tenant set (PostgreSQL only):
    for SQL the ORM cannot say well (arrays joined as tables); the query names its tenant itself."""
    connection = await _driver_connection(session, tenant_id)
    return list(await connection.fetch(sql, *args))


async def execute_raw(session: AsyncSession, tenant_id: str, sql: str, *args: Any) -> str:
    """One statement on the session's asyncpg connection with the tenant set (PostgreSQL only)."""
    connection = await _driver_connection(session, tenant_id)
    return str(await connection.execute(sql, *args))
