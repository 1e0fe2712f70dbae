"""The tenant repository: its base statement is always filtered, and it refuses foreign rows."""

from __future__ import annotations

import pytest

from saas.db import Database
from saas.tenancy.keys import KeyRepository
from saas.tenancy.models import ApiKey

pytestmark = pytest.mark.unit


def key_row(key_id: str, tenant_id: str | None) -> ApiKey:
    return ApiKey(id=key_id, tenant_id=tenant_id, prefix=f"rk_{key_id}", secret_sha256="0" * 64, role="rating",
                  name="n", created_at="2026-01-01T00:00:00.000000Z")


async def test_base_statement_is_filtered_by_the_tenant(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        sql = str(KeyRepository(session, "acme").statement().compile(compile_kwargs={"literal_binds": True}))
    assert "WHERE api_keys.tenant_id = 'acme'" in sql


async def test_rows_added_through_a_repository_belong_to_its_tenant(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        repo = KeyRepository(session, "scope-a")
        repo.add(key_row("a1a1a1a1a1a1a1a1", None))
        with pytest.raises(ValueError, match="scope-b"):
            repo.add(key_row("b1b1b1b1b1b1b1b1", "scope-b"))
        await session.flush()
        assert [row.tenant_id for row in await repo.list()] == ["scope-a"]
        assert await KeyRepository(session, "scope-b").list() == []
