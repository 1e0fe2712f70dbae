"""Tenant-scoped access to the content tables, and the lifecycle ``Store`` over them for one kind.

Every read and write goes through ``TenantRepository``, so a version of another tenant is a 404
exactly like an unknown id. Platform-owned kinds (rulesets) use the tenant id ``_platform``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Select, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.schemas import NewEntry
from saas.clock import utc_timestamp
from saas.tenancy.keys import Principal
from saas.tenancy.scoping import TenantRepository
from saas.versioning.lifecycle import current_and_previous
from saas.versioning.models import ContentDeployment, ContentEvent, ContentGeneration, ContentTestRun, ContentVersionRow
from saas.versioning.schemas import ContentEntry


class Versions(TenantRepository[ContentVersionRow]):
    model = ContentVersionRow
    noun = "version"

    def __init__(self, session: AsyncSession, tenant_id: str, kind: str) -> None:
        super().__init__(session, tenant_id)
        self.kind = kind

    def statement(self) -> Select[ContentVersionRow]:
        return super().statement().where(ContentVersionRow.kind == self.kind)

    async def get(self, version_id: str, *, for_update: bool = False) -> ContentVersionRow:
        """The version; another tenant's id is NotFound, exactly like an unknown one."""
        stmt = self.statement().where(ContentVersionRow.id == version_id)
        row = (await self.session.execute(stmt.with_for_update() if for_update else stmt)).scalars().one_or_none()
        if row is None:
            return await self.get_one(ContentVersionRow.id == version_id, ident=version_id)
        return row

    async def deployed(self, scope: str, *, besides: str) -> list[ContentVersionRow]:
        return await self.list(ContentVersionRow.scope == scope, ContentVersionRow.status == "deployed",
                               ContentVersionRow.id != besides)


class Deployments(TenantRepository[ContentDeployment]):
    model = ContentDeployment
    noun = "deployment"

    def __init__(self, session: AsyncSession, tenant_id: str, kind: str) -> None:
        super().__init__(session, tenant_id)
        self.kind = kind

    def statement(self) -> Select[ContentDeployment]:
        return super().statement().where(ContentDeployment.kind == self.kind)

    async def active(self, scope: str) -> list[ContentDeployment]:
        """Active deployments of a scope, in the order they were made."""
        return await self.list(ContentDeployment.scope == scope, ContentDeployment.withdrawn_at.is_(None),
                               order_by=(ContentDeployment.id,))

    async def in_force(self, scope: str, on: dt.date) -> str | None:
        """The version in force on ``on``: the active deployment with the latest date not after it."""
        rows = [row for row in await self.active(scope) if row.effective_date <= on]
        return max(rows, key=lambda r: (r.effective_date, r.id)).version_id if rows else None

    async def current_and_previous(self, scope: str) -> tuple[str | None, str | None]:
        return current_and_previous(await self.list(ContentDeployment.scope == scope, order_by=(ContentDeployment.id,)))

    async def withdraw_on(self, scope: str, date: dt.date, *, by: str) -> str | None:
        stmt = self.statement().where(ContentDeployment.scope == scope, ContentDeployment.effective_date == date,
                                      ContentDeployment.withdrawn_at.is_(None)).with_for_update()
        row = (await self.session.execute(stmt)).scalars().one_or_none()
        if row is None:
            return None
        row.withdrawn_at, row.withdrawn_by, row.withdrawn_for = utc_timestamp(), by, "supersede"
        await self.session.flush()
        return row.version_id

    async def withdraw(self, version_id: str, scope: str, *, by: str) -> dict[str, dt.date]:
        rows = [row for row in await self.active(scope) if row.version_id == version_id]
        now = utc_timestamp()
        for row in rows:
            row.withdrawn_at, row.withdrawn_by, row.withdrawn_for = now, by, "rollback"
        await self.session.flush()
        return {"all": max(row.effective_date for row in rows)} if rows else {}

    async def of_version(self, version_id: str) -> list[ContentDeployment]:
        return await self.list(ContentDeployment.version_id == version_id, order_by=(ContentDeployment.id,))


class Events(TenantRepository[ContentEvent]):
    model = ContentEvent
    noun = "event"

    async def of_version(self, kind: str, version_id: str) -> list[ContentEvent]:
        return await self.list(ContentEvent.kind == kind, ContentEvent.version_id == version_id,
                               order_by=(ContentEvent.id,))


class TestRuns(TenantRepository[ContentTestRun]):
    model = ContentTestRun
    noun = "test run"

    async def exists(self, kind: str, version_id: str) -> bool:
        stmt = self.statement().with_only_columns(func.count()).where(ContentTestRun.kind == kind,
                                                                      ContentTestRun.version_id == version_id)
        return bool((await self.session.execute(stmt)).scalar())

    async def of_version(self, kind: str, version_id: str) -> list[ContentTestRun]:
        return await self.list(ContentTestRun.kind == kind, ContentTestRun.version_id == version_id,
                               order_by=(ContentTestRun.at,))


class ContentStore:
    """One content kind as the lifecycle's ``Store``: one lane, the version's ``scope`` as its key."""

    def __init__(self, session: AsyncSession, tenant_id: str, *, kind: str, noun: str, test_path: str) -> None:
        self.session, self.tenant_id, self.kind = session, tenant_id, kind
        self.noun, self.test_path = noun, test_path
        self.versions = Versions(session, tenant_id, kind)
        self.deployments = Deployments(session, tenant_id, kind)

    async def get(self, version_id: str, *, for_update: bool = False) -> ContentVersionRow:
        return await self.versions.get(version_id, for_update=for_update)

    async def has_test_run(self, version_id: str) -> bool:
        return await TestRuns(self.session, self.tenant_id).exists(self.kind, version_id)

    async def deployed_besides(self, row: ContentVersionRow) -> list[ContentVersionRow]:
        return await self.versions.deployed(row.scope, besides=row.id)

    async def withdraw_on(self, row: ContentVersionRow, lane: str, date: dt.date, *, by: str) -> str | None:
        return await self.deployments.withdraw_on(row.scope, date, by=by)

    def add_deployment(self, row: ContentVersionRow, lane: str, date: dt.date, action: str, who: Principal) -> None:
        self.deployments.add(ContentDeployment(kind=self.kind, scope=row.scope, effective_date=date, version_id=row.id,
                                               action=action, deployed_by=who.name, deployed_key_id=who.key_id,
                                               deployed_at=utc_timestamp()))

    async def current_and_previous(self, scope: str) -> tuple[str | None, str | None]:
        return await self.deployments.current_and_previous(scope)

    async def withdraw(self, version_id: str, scope: str, *, by: str) -> dict[str, dt.date]:
        return await self.deployments.withdraw(version_id, scope, by=by)

    async def bump_generation(self) -> None:
        await self.session.execute(update(ContentGeneration).where(ContentGeneration.id == 1)
                                   .values(generation=ContentGeneration.generation + 1))

    def add_event(self, row: ContentVersionRow, action: str, status: str, who: Principal, note: str | None) -> None:
        Events(self.session, self.tenant_id).add(ContentEvent(
            kind=self.kind, version_id=row.id, action=action, status=status, actor_name=who.name,
            actor_key_id=who.key_id, at=utc_timestamp(), note=note))

    def entry(self, row: ContentVersionRow, action: str, status: str, who: Principal, note: str | None,
              dates: Mapping[str, dt.date], test_run_id: str | None) -> NewEntry:
        payload = ContentEntry(action, row.id, row.scope, status, who.name, who.key_id, note,
                               dates.get("all"), test_run_id)
        return NewEntry(kind=f"{self.kind}_version", payload=payload)
