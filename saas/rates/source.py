"""The deployed rate versions every process rates with: a cache, reloaded when a deploy moves it.

The quote path must not query per quote, so each process keeps, per (tenant, state, product,
transaction kind), the active deployments sorted by effective date with their compiled tables.
Every deploy and rollback bumps one generation counter in the same transaction; a process polls
that counter (``watch``, one tiny read a second) and reloads when it moved, and the deploying
process reloads at once. So another replica rates with a new deployment within about a second.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select, text

from saas.db import Database
from saas.errors import Conflict, RatingError
from saas.rates.models import RateDeployment, RateGeneration, RateVersionRow
from saas.rating.lookups import RateTable, compile_table
from saas.rating.schemas import RateTableSpec
from saas.versioning.watch import POLL_SECONDS, Poller

ACTIVE_DEPLOYMENTS: dict[bool, Any] = {
    False: select(RateDeployment.tenant_id, RateDeployment.state, RateDeployment.product, RateDeployment.kind,
                  RateDeployment.effective_date, RateVersionRow.id, RateVersionRow.content, RateVersionRow.expiry_date)
    .join(RateVersionRow, (RateVersionRow.tenant_id == RateDeployment.tenant_id)
          & (RateVersionRow.id == RateDeployment.version_id))
    .where(RateDeployment.withdrawn_at.is_(None))
    .order_by(RateDeployment.effective_date),
    True: text("SELECT * FROM saas_active_deployments()"),
}
"""Every tenant's active deployments, the one cross-tenant read of this cache. On PostgreSQL (True)
row security hides them until a tenant is set, so the same query runs as the ``SECURITY DEFINER``
function ``saas_active_deployments`` (migration 0004)."""
Key = tuple[str, str, str, str]
"""(tenant, state, product, transaction kind)."""


@dataclass(frozen=True)
class InForce:
    effective_date: dt.date
    table: RateTable
    expiry_date: dt.date | None


class DeployedRates:
    """A ``saas.rating.sources.RateSource`` over the database's active deployments."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.generation = -1
        self._by_key: dict[Key, list[InForce]] = {}
        self._tables: dict[str, RateTable] = {}
        self._watcher = Poller(self.refresh, "rate-watch")

    def table_in_effect(self, tenant_id: str, state: str, product: str, on: dt.date,
                        transaction: str = "new") -> RateTable:
        """The table of the latest active deployment for the transaction kind on or before ``on``."""
        entries = self._by_key.get((tenant_id, state, product, transaction))
        if not entries:
            raise Conflict(f"tenant {tenant_id} has no deployed {product} rate table for {state}: draft, approve "
                           "and deploy one (POST /v1/rate-versions) before quoting there")
        index = bisect.bisect_right([e.effective_date for e in entries], on) - 1
        if index < 0:
            first = entries[0].effective_date
            raise RatingError(f"no {product} rate table for {state} is in effect on {on} (the first starts {first})")
        chosen = entries[index]
        if chosen.expiry_date is not None and on > chosen.expiry_date:
            raise RatingError(f"the {product} rate table for {state} in effect on {on} expired on {chosen.expiry_date}")
        return chosen.table

    def tables(self) -> Iterator[RateTable]:
        return iter(list(self._tables.values()))

    async def current_generation(self) -> int:
        async with self.db.sessions() as session:
            value = (await session.execute(select(RateGeneration.generation).where(RateGeneration.id == 1))).scalar()
        return int(value or 0)

    async def reload(self) -> None:
        """Read every active deployment and compile each version once (shared across keys)."""
        async with self.db.sessions() as session:
            generation = (await session.execute(select(RateGeneration.generation))).scalar() or 0
            rows = (await session.execute(ACTIVE_DEPLOYMENTS[session.get_bind().dialect.name == "postgresql"])).all()
        tables: dict[str, RateTable] = {}
        by_key: dict[Key, list[InForce]] = {}
        for tenant, state, product, kind, effective, version_id, content, expiry in rows:
            table = tables.get(version_id) or self._tables.get(version_id)
            if table is None:
                table = compile_table(msgspec.json.decode(content, type=RateTableSpec), source=f"version:{version_id}")
            tables[version_id] = table
            by_key.setdefault((tenant, state, product, kind), []).append(InForce(effective, table, expiry))
        self._tables, self._by_key, self.generation = tables, by_key, int(generation)

    async def refresh(self) -> bool:
        """Reload if the generation moved; True when it did."""
        if await self.current_generation() == self.generation:
            return False
        await self.reload()
        return True

    def watch(self, interval: float = POLL_SECONDS) -> None:
        """Poll the generation in the background of this event loop (API replicas and workers)."""
        self._watcher.start(interval)

    async def close(self) -> None:
        await self._watcher.stop()
