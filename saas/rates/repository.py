"""Tenant-scoped access to the rate-version tables (``saas.tenancy.scoping``): nothing here can
read or change another tenant's versions, deployments, history or test runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func

from saas.clock import utc_timestamp
from saas.rates.models import RateDeployment, RateTestRun, RateVersionEvent, RateVersionRow
from saas.rates.schemas import Author, VersionSummary
from saas.tenancy.scoping import TenantRepository


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
        """The most recently deployed version and the one deployed before it (a different version)."""
        rows = await self.active(state, product)
        if not rows:
            return None, None
        current = rows[-1].version_id
        earlier = [row.version_id for row in rows if row.version_id != current]
        return current, (earlier[-1] if earlier else None)

    async def withdraw(self, version_id: str, state: str, product: str, *, by: str) -> dict[str, dt.date]:
        """Mark the version's active deployments withdrawn; returns the latest date per kind."""
        rows = await self.list(RateDeployment.state == state, RateDeployment.product == product,
                               RateDeployment.version_id == version_id, RateDeployment.withdrawn_at.is_(None))
        now = utc_timestamp()
        dates: dict[str, dt.date] = {}
        for row in rows:
            row.withdrawn_at, row.withdrawn_by = now, by
            dates[row.kind] = max(dates.get(row.kind, row.effective_date), row.effective_date)
        await self.session.flush()
        return dates

    async def of_version(self, version_id: str) -> list[RateDeployment]:
        return await self.list(RateDeployment.version_id == version_id, order_by=(RateDeployment.id,))


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
