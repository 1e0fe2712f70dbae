"""An API on a real PostgreSQL database of its own, with keys for two shipped tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from saas.app import create_app
from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import load_settings
from saas.tenancy.keys import create_key
from tests.services import PostgresServer

ROLES = ("rating", "compliance", "admin", "approver")
TENANTS = ("partner-a", "partner-b")


@dataclass
class Api:
    client: AsyncTestClient  # type: ignore[type-arg]
    runtime: Runtime
    keys: dict[tuple[str, str], str]

    def auth(self, tenant: str, role: str = "rating") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


@pytest.fixture(scope="session")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    url = postgres_server.create_database("saas_api")
    settings = msgspec.structs.replace(load_settings(), database_url=url, max_body_bytes=2_000_000,
                                       bulk_max_quotes=2_000)
    runtime = Runtime.load(settings)
    await upgrade_schema(runtime.db)
    keys = {}
    async with runtime.db.session_scope() as session:
        for tenant in TENANTS:
            for role in ROLES:
                _, keys[(tenant, role)] = await create_key(session, tenant, role, f"test {role}")
    async with AsyncTestClient(app=create_app(settings, runtime), timeout=120) as client:
        yield Api(client, runtime, keys)
