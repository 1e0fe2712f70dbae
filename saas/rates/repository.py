"""Tenant-scoped access to the rate-version tables (``saas.tenancy.scoping``): nothing here can
read or change another tenant's versions, deployments, history or test runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.schemas import NewEntry
from saas.clock import utc_timestamp
from saas.rates.models import RateDeployment, RateGeneration, RateTestRun, RateVersionEvent, RateVersionRow
from saas.rates.schemas import Author, RateVersionEntry, VersionSummary
from saas.tenancy.keys import Principal
from saas.tenancy.scoping import TenantRepository
from saas.versioning.lifecycle import current_and_previous


def summary(row: RateVersionRow) -> VersionSummary:
    return VersionSummary(id=row.id, state=row.state, product=row.product, status=row.status,  # type: ignore[arg-type]
                          author=Author(row.author_name, row.author_key_id), message=row.message,
                          created_at=row.created_at, effective_date=row.effective_date, parent_id=row.parent_id,
                          filing_reference=row.filing_reference, expiry_date=row.expiry_date)


class Versions(TenantRepository[RateVersionRow]):
    model = RateVersionRow
    noun = "rate version"

    async def get(self, version_id: str, *, for_update: bool = False) -> RateVersionRow:
        """The version; another tenant's id is NotFound, exactly like an unknown one. ``for_update``
        locks it so two approvers or deployers of one version serialise."""
        stmt = self.statement().where(RateVersionRow.id == version_id)
        row = (await self.session.execute(stmt.with_for_update() if for_update else stmt)).scalars().one_or_none()
        if row is None:
            return await self.get_one(RateVersionRow.id == version_id, ident=version_id)
        return row

    async def deployed(self, state: str, product: str, *, besides: str) -> list[RateVersionRow]:
        return await self.list(RateVersionRow.state == state, RateVersionRow.product == product,
                               RateVersionRow.status == "deployed", RateVersionRow.id != besides)


class Deployments(TenantRepository[RateDeployment]):
    model = RateDeployment
    noun = "deployment"

    async def active(self, state: str, product: str, kind: str = "new") -> list[RateDeployment]:
        """Active deployments of one kind, oldest first (by when they were made)."""
        return await self.list(RateDeployment.state == state, RateDeployment.product == product,
                               RateDeployment.kind == kind, RateDeployment.withdrawn_at.is_(None),
                               order_by=(RateDeployment.id,))

    async def current_version(self, state: str, product: str) -> str | None:
        rows = await self.active(state, product)
        return rows[-1].version_id if rows else None

    async def current_and_previous(self, state: str, product: str) -> tuple[str | None, str | None]:
        """The most recently deployed version and the one deployed before it (a different version,
        still in force or replaced by a same-date deployment, never one that was rolled back)."""
        rows = await self.list(RateDeployment.state == state, RateDeployment.product == product,
                               RateDeployment.kind == "new", order_by=(RateDeployment.id,))
        return current_and_previous(rows)

    async def withdraw(self, version_id: str, state: str, product: str, *, by: str) -> dict[str, dt.date]:
        """Mark the version's active deployments withdrawn; returns the latest date per kind."""
        rows = await self.list(RateDeployment.state == state, RateDeployment.product == product,
                               RateDeployment.version_id == version_id, RateDeployment.withdrawn_at.is_(None))
        now = utc_timestamp()
        dates: dict[str, dt.date] = {}
        for row in rows:
            row.withdrawn_at, row.withdrawn_by, row.withdrawn_for = now, by, "rollback"
            dates[row.kind] = max(dates.get(row.kind, row.effective_date), row.effective_date)
        await self.session.flush()
        return dates

    async def of_version(self, version_id: str) -> list[RateDeployment]:
        return await self.list(RateDeployment.version_id == version_id, order_by=(RateDeployment.id,))

    async def withdraw_on(self, state: str, product: str, kind: str, date: dt.date, *, by: str) -> str | None:
        """Withdraw the active deployment for exactly this date (a same-date deploy supersedes it)."""
        stmt = self.statement().where(RateDeployment.state == state, RateDeployment.product == product,
                                      RateDeployment.kind == kind, RateDeployment.effective_date == date,
                                      RateDeployment.withdrawn_at.is_(None)).with_for_update()
        row = (await self.session.execute(stmt)).scalars().one_or_none()
        if row is None:
            return None
        row.withdrawn_at, row.withdrawn_by, row.withdrawn_for = utc_timestamp(), by, "supersede"
        await self.session.flush()
        return row.version_id


class Events(TenantRepository[RateVersionEvent]):
    model = RateVersionEvent
    noun = "event"

    async def of_version(self, version_id: str) -> list[RateVersionEvent]:
        return await self.list(RateVersionEvent.version_id == version_id, order_by=(RateVersionEvent.id,))


class TestRuns(TenantRepository[RateTestRun]):
    model = RateTestRun
    noun = "test run"

    async def exists(self, version_id: str) -> bool:
        stmt = self.statement().with_only_columns(func.count()).where(RateTestRun.version_id == version_id)
        return bool((await self.session.execute(stmt)).scalar())

    async def of_version(self, version_id: str) -> list[RateTestRun]:
        return await self.list(RateTestRun.version_id == version_id, order_by=(RateTestRun.at,))


class RateStore:
    """The rate tables as the shared lifecycle's ``Store`` (``saas.versioning.lifecycle``): a
    version's scope is its (state, product); its lanes are new business and renewals."""

    noun = "rate version"
    test_path = "/v1/rate-versions/{id}/test"

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.versions, self.deployments = Versions(session, tenant_id), Deployments(session, tenant_id)

    async def get(self, version_id: str, *, for_update: bool = False) -> RateVersionRow:
        return await self.versions.get(version_id, for_update=for_update)

    async def has_test_run(self, version_id: str) -> bool:
        return await TestRuns(self.session, self.tenant_id).exists(version_id)

    async def deployed_besides(self, row: RateVersionRow) -> list[RateVersionRow]:
        return await self.versions.deployed(row.state, row.product, besides=row.id)

    async def withdraw_on(self, row: RateVersionRow, lane: str, date: dt.date, *, by: str) -> str | None:
        return await self.deployments.withdraw_on(row.state, row.product, lane, date, by=by)

    def add_deployment(self, row: RateVersionRow, lane: str, date: dt.date, action: str, who: Principal) -> None:
        self.deployments.add(RateDeployment(state=row.state, product=row.product, kind=lane, effective_date=date,
                                            version_id=row.id, action=action, deployed_by=who.name,
                                            deployed_key_id=who.key_id, deployed_at=utc_timestamp()))

    async def current_and_previous(self, scope: tuple[str, str]) -> tuple[str | None, str | None]:
        return await self.deployments.current_and_previous(*scope)

    async def withdraw(self, version_id: str, scope: tuple[str, str], *, by: str) -> dict[str, dt.date]:
        return await self.deployments.withdraw(version_id, *scope, by=by)

    async def bump_generation(self) -> None:
        await self.session.execute(update(RateGeneration).where(RateGeneration.id == 1)
                                   .values(generation=RateGeneration.generation + 1))

    def add_event(self, row: RateVersionRow, action: str, status: str, who: Principal, note: str | None) -> None:
        Events(self.session, self.tenant_id).add(RateVersionEvent(
            version_id=row.id, action=action, status=status, actor_name=who.name, actor_key_id=who.key_id,
            at=utc_timestamp(), note=note))

    def entry(self, row: RateVersionRow, action: str, status: str, who: Principal, note: str | None,
              dates: Mapping[str, dt.date], test_run_id: str | None) -> NewEntry:
        payload = RateVersionEntry(action, row.id, row.state, row.product, status, who.name, who.key_id, note,
                                   dates.get("new"), dates.get("renewal"), test_run_id)
        return NewEntry(kind="rate_version", payload=payload)
