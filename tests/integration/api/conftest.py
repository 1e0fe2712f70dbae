"""An API on a real PostgreSQL database of its own, with keys for two shipped tenants, connected as
an application role that does not own the tables, so every API test also runs under row security.

The client talks ASGI in the test's own event loop (httpx's ASGITransport), so the database pool
the fixtures use is the one the app uses; the app's startup hook (recording snapshots) is called
here because that transport does not run the lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import msgspec
import pytest

from saas.app import create_app
from saas.db import Database, upgrade_schema
from saas.runtime import Runtime
from saas.settings import load_settings
from saas.tenancy.keys import create_key
from tests.services import PostgresServer

ROLES = ("rating", "compliance", "admin", "approver")
TENANTS = ("partner-a", "partner-b", "fleet-co")


@dataclass
class Api:
    client: httpx.AsyncClient
    runtime: Runtime
    keys: dict[tuple[str, str], str]
    owner: Database
    """The tables' owner, for what a test does behind the API's back (editing a row, counting all)."""

    def auth(self, tenant: str, role: str = "rating") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


@pytest.fixture(scope="session")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    async with serving_api(postgres_server, "saas_api") as ready:
        yield ready


@asynccontextmanager
async def serving_api(postgres_server: PostgresServer, name: str) -> AsyncIterator[Api]:
    """An API on a database of its own (``name``): tests that onboard tenants or deploy content use
    one, so what they add is never seen by the tests sharing ``api``."""
    owner = Database(postgres_server.create_database(name))
    await upgrade_schema(owner)
    url = postgres_server.app_role(name)  # as in production: not the owner, so row security applies
    settings = msgspec.structs.replace(load_settings(), database_url=url, max_body_bytes=2_000_000,
                                       bulk_max_quotes=2_000)
    runtime = Runtime.load(settings)
    keys = {}
    async with runtime.db.session_scope() as session:
        for tenant in TENANTS:
            for role in ROLES:
                _, keys[(tenant, role)] = await create_key(session, tenant, role, f"test {role}")
    await runtime.start()
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=120) as client:
        yield Api(client, runtime, keys, owner)
    await runtime.close()
    await owner.dispose()
