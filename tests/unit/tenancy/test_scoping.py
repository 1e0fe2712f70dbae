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


async def test_updates_and_deletes_reach_only_the_repository_tenant(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        mine, theirs = KeyRepository(session, "scope-c"), KeyRepository(session, "scope-d")
        mine.add(key_row("c1c1c1c1c1c1c1c1", None))
        theirs.add(key_row("d1d1d1d1d1d1d1d1", None))
        await session.flush()
        renamed = await mine.execute(mine.update().values(name="renamed"))
        assert renamed.rowcount == 1
        by_id = await mine.execute(mine.update(ApiKey.id == "d1d1d1d1d1d1d1d1").values(name="stolen"))
        assert by_id.rowcount == 0
        deleted = await mine.execute(mine.delete(ApiKey.id == "d1d1d1d1d1d1d1d1"))
        assert deleted.rowcount == 0
        session.expire_all()
        assert [row.name for row in await theirs.list()] == ["n"]
        assert [row.name for row in await mine.list()] == ["renamed"]


async def test_inserts_are_stamped_with_the_tenant_and_refuse_another(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        repo = KeyRepository(session, "scope-e")
        values = {"id": "e1e1e1e1e1e1e1e1", "prefix": "rk_e1", "secret_sha256": "0" * 64, "role": "rating",
                  "name": "n", "created_at": "2026-01-01T00:00:00.000000Z"}
        await repo.execute(repo.insert(**values))
        again = await repo.execute(repo.insert(**values).on_conflict_do_nothing(index_elements=["id"]))
        assert again.rowcount == 0
        with pytest.raises(ValueError, match="scope-f"):
            repo.insert(**values, tenant_id="scope-f")
        assert [row.tenant_id for row in await repo.list()] == ["scope-e"]


def test_shared_or_tenant_statement_reads_own_and_shared_rows_only() -> None:
    from saas.audit.snapshots import SnapshotRepository

    sql = str(SnapshotRepository(None, "acme").statement()  # type: ignore[arg-type]
              .compile(compile_kwargs={"literal_binds": True}))
    assert "snapshots.tenant_id = 'acme' OR snapshots.tenant_id IS NULL" in sql
