"""The test tooling itself: the servers it starts are real and reachable."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration


async def test_postgres_is_real_and_migrated(pg_session: AsyncSession) -> None:
    version = (await pg_session.execute(text("SHOW server_version_num"))).scalar_one()
    assert int(version) >= 130000
    tables = (await pg_session.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))).scalars().all()
    assert set(tables) >= {"alembic_version", "api_keys", "audit_entries", "audit_heads", "snapshots"}


def test_redis_is_real(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("saas:probe", "42")
    assert client.get("saas:probe") == b"42"
    assert client.config_get("save")["save"] == ""
    client.close()
