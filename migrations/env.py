"""Alembic environment: async, for sqlite+aiosqlite and postgresql+asyncpg alike.

``saas.db.upgrade_schema`` hands over an open connection (config.attributes["connection"]) so
tests and the CLI migrate exactly the engine they use; plain ``alembic upgrade head`` opens its own
engine from SAAS_DATABASE_URL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import saas.audit.models
import saas.console.models
import saas.fairness.models
import saas.rates.models
import saas.tenancy.models
import saas.trips.models
import saas.versioning.models
import saas.webhooks.models  # noqa: F401  (registers the tables on Base.metadata)
from saas.db import Base, make_engine
from saas.settings import load_settings

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or load_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


given = context.config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
elif given is not None:
    run_on(given)
else:
    asyncio.run(run_online())
