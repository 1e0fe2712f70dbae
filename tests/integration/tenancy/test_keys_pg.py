"""API keys on real PostgreSQL: authentication, per-tenant listing and revocation."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from saas.errors import NotFound, Unauthenticated
from saas.tenancy.auth_cache import AuthCache
from saas.tenancy.keys import authenticate, create_key, list_keys, revoke_key

pytestmark = pytest.mark.integration


async def test_key_lifecycle_is_isolated_per_tenant(pg_sessions: async_sessionmaker[AsyncSession]) -> None:
    a, b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    cache = AuthCache()
    async with pg_sessions() as session, session.begin():
        info_a, key_a = await create_key(session, a, "rating", "svc-a")
        info_b, _ = await create_key(session, b, "compliance", "auditor-b")
    async with pg_sessions() as session, session.begin():
        assert (await authenticate(session, key_a, cache=cache)).tenant_id == a
        assert [k.id for k in await list_keys(session, a)] == [info_a.id]
        with pytest.raises(NotFound):
            await revoke_key(session, info_b.id, tenant_id=a, cache=cache)
        await revoke_key(session, info_a.id, tenant_id=a, cache=cache)
    async with pg_sessions() as session:
        with pytest.raises(Unauthenticated):
            await authenticate(session, key_a, cache=cache)
        assert (await list_keys(session, b))[0].revoked_at is None
