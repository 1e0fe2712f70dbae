"""The configurations and rulesets in force, in every process within about a second of a deploy.

Each process keeps the deployed versions in its ``Catalog`` (what every request reads). Every
deploy and rollback bumps the content generation in its own transaction; a process polls that
counter once a second (``watch``; a worker before each job, ``refresh``) and, when it moved or the
day changed (a scheduled deployment's date arrived), reads every active deployment, picks per
tenant (and per state for rulesets) the latest whose date has come, and swaps them in at once.
Nothing here runs per quote. What was never deployed (a fresh database before the files are
imported) keeps the shipped files' content, so a process always has something to serve.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec
from sqlalchemy import select, text

from saas.audit.snapshots import put_snapshot
from saas.catalog import Catalog
from saas.db import Database
from saas.errors import SaasError
from saas.rules.service import DEFAULT_STATE, compose_texts
from saas.rules.versions import RulesetSnapshot, version_of
from saas.scoring.selection import TenantModels
from saas.tenancy.keys import PLATFORM_TENANT
from saas.tenancy.models import TenantRow
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant
from saas.versioning.models import ContentDeployment, ContentGeneration, ContentVersionRow
from saas.versioning.watch import POLL_SECONDS, Poller

log = logging.getLogger("saas.content")
ACTIVE: dict[bool, Any] = {
    False: select(ContentDeployment.tenant_id, ContentDeployment.kind, ContentDeployment.scope,
                  ContentDeployment.effective_date, ContentVersionRow.id, ContentVersionRow.content)
    .join(ContentVersionRow, (ContentVersionRow.tenant_id == ContentDeployment.tenant_id)
          & (ContentVersionRow.kind == ContentDeployment.kind) & (ContentVersionRow.id == ContentDeployment.version_id))
    .where(ContentDeployment.withdrawn_at.is_(None))
    .order_by(ContentDeployment.effective_date, ContentDeployment.id),
    True: text("SELECT * FROM saas_active_content()"),
}
"""Every tenant's active deployments: on PostgreSQL through the SECURITY DEFINER function (0007)."""


class LiveContent:
    def __init__(self, db: Database, catalog: Catalog, models: TenantModels) -> None:
        self.db, self.catalog, self.models = db, catalog, models
        self.day: dt.date | None = None
        self._watcher = Poller(self.refresh, "content-watch")

    async def generation(self, db: Database | None = None) -> int:
        async with (db or self.db).sessions() as session:
            value = (await session.execute(select(ContentGeneration.generation)
                                           .where(ContentGeneration.id == 1))).scalar()
        return int(value or 0)

    async def refresh(self, db: Database | None = None) -> bool:
        """Reload when a deploy moved the generation or a new day began; True when it reloaded."""
        if await self.generation(db) == self.catalog.generation and self.day == dt.date.today():
            return False
        await self.reload(db)
        return True

    async def reload(self, db: Database | None = None) -> None:
        database = db or self.db
        today = dt.date.today()
        async with database.sessions() as session:
            generation = (await session.execute(select(ContentGeneration.generation))).scalar() or 0
            rows = (await session.execute(ACTIVE[session.get_bind().dialect.name == "postgresql"])).all()
            registered = frozenset((await session.execute(select(TenantRow.id))).scalars())
        chosen: dict[tuple[str, str, str], tuple[str, str]] = {}
        for tenant_id, kind, scope, effective, version_id, content in rows:
            if effective <= today:  # ordered by date: the last one whose date has come wins
                chosen[(tenant_id, kind, scope)] = (version_id, content)
        tenants = dict(self.catalog.tenants)
        changed = []
        for (tenant_id, kind, _), (version_id, content) in chosen.items():
            if kind == "tenant_config" and (tenant_id not in tenants or tenants[tenant_id].content_hash != version_id):
                tenants[tenant_id] = LoadedTenant(msgspec.json.decode(content, type=TenantConfig), version_id,
                                                  f"version:{version_id}")
                changed.append(tenants[tenant_id])
        deployed = {scope: content for (owner, kind, scope), (_, content) in chosen.items()
                    if kind == "ruleset" and owner == PLATFORM_TENANT}
        texts = {**self.catalog.ruleset_texts, **deployed}
        try:
            rulesets = compose_texts(texts) if texts != self.catalog.ruleset_texts else self.catalog.rulesets
            await self.models.prepare(changed, warm_up=False)
        except SaasError:  # a deployed version this process cannot use: keep serving what it has
            log.exception("could not load the deployed content (generation %s)", generation)
            return
        if rulesets is not self.catalog.rulesets:
            await self._snapshot(database, rulesets, texts)
        self.catalog.swap(tenants, rulesets, texts, int(generation), registered - tenants.keys())
        self.day = today

    async def _snapshot(self, db: Database, rulesets: dict[str, Any], texts: dict[str, str]) -> None:
        """Each composed ruleset under the version a quote pins, so replay restores it."""
        async with db.session_scope() as session:
            for state, ruleset in rulesets.items():
                snap = RulesetSnapshot(texts[state], None if state == DEFAULT_STATE else texts.get(DEFAULT_STATE))
                await put_snapshot(session, "ruleset", msgspec.json.encode(snap).decode(), hash=version_of(ruleset))

    def watch(self, interval: float = POLL_SECONDS) -> None:
        self._watcher.start(interval)

    async def close(self) -> None:
        await self._watcher.stop()
