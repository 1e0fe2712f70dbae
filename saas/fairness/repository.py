"""Tenant-scoped access to the fairness tables and to the outcomes they test (``TenantRepository``):
proxies, reports, gate results and sign-offs of one tenant only, and that tenant's monthly scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_

from saas.audit.models import AuditEntryRow
from saas.db import upsert
from saas.fairness.census import GROUPS
from saas.fairness.models import GateRow, ProxyRow, ReportRow, SignoffRow
from saas.tenancy.bulk import fetch_columns
from saas.tenancy.scoping import TenantRepository
from saas.trips.models import DriverRow, DriverScoreRow, ScoringRunRow

PROBABILITY_COLUMNS = tuple(f"p_{g}" for g in GROUPS)


class Proxies(TenantRepository[ProxyRow]):
    model = ProxyRow
    noun = "proxy"

    async def columns(self, driver_ids: list[str] | None = None) -> dict[str, list[Any]]:
        stmt = self.statement().with_only_columns(
            ProxyRow.driver_id, ProxyRow.method, *(getattr(ProxyRow, c) for c in PROBABILITY_COLUMNS))
        if driver_ids is not None:
            stmt = stmt.where(ProxyRow.driver_id.in_(driver_ids))
        return await fetch_columns(self.session, self.tenant_id, stmt)

    async def upsert(self, rows: list[dict[str, Any]]) -> None:
        """Insert or replace these drivers' proxies, stamped with this tenant, in one statement."""
        stamped = [{**row, "tenant_id": self.tenant_id} for row in rows]
        stmt = upsert(self.session, ProxyRow).values(stamped)
        stmt = stmt.on_conflict_do_update(index_elements=["tenant_id", "driver_id"],
                                          set_={c: stmt.excluded[c] for c in rows[0] if c != "driver_id"})
        await self.session.execute(self.scoped(stmt))

    async def count(self) -> int:
        return len((await self.columns())["driver_id"])


class Reports(TenantRepository[ReportRow]):
    model = ReportRow
    noun = "fairness report"


class Gates(TenantRepository[GateRow]):
    model = GateRow
    noun = "fairness gate"


class Signoffs(TenantRepository[SignoffRow]):
    model = SignoffRow
    noun = "fairness sign-off"


class Drivers(TenantRepository[DriverRow]):
    model = DriverRow
    noun = "driver"

    async def known(self, driver_ids: list[str]) -> set[str]:
        stmt = self.statement().with_only_columns(DriverRow.driver_id).where(DriverRow.driver_id.in_(driver_ids))
        return set((await self.session.execute(stmt)).scalars())


class MonthlyScores(TenantRepository[DriverScoreRow]):
    model = DriverScoreRow
    noun = "driver score"

    async def of_period(self, period: str) -> dict[str, list[Any]]:
        """A month's scores with each driver's state and claims (the traditional factors), as columns."""
        same_driver = and_(DriverRow.tenant_id == DriverScoreRow.tenant_id,
                           DriverRow.driver_id == DriverScoreRow.driver_id)
        stmt = self.statement().with_only_columns(
            DriverScoreRow.driver_id, DriverScoreRow.multiplier, DriverScoreRow.tier, DriverScoreRow.safety_score,
            DriverScoreRow.risk_score, DriverScoreRow.features, DriverRow.state, DriverRow.prior_claim_count,
        ).join(DriverRow, same_driver).where(DriverScoreRow.period == period).order_by(DriverScoreRow.driver_id)
        return await fetch_columns(self.session, self.tenant_id, stmt)

    async def periods(self) -> list[str]:
        stmt = self.statement().with_only_columns(DriverScoreRow.period).distinct()
        return sorted((await self.session.execute(stmt)).scalars())


class Runs(TenantRepository[ScoringRunRow]):
    model = ScoringRunRow
    noun = "scoring run"

    async def model_version(self, period: str) -> str | None:
        rows = await self.list(ScoringRunRow.period == period, order_by=(ScoringRunRow.created_at.desc(),))
        return rows[0].model_version if rows else None


class Quotes(TenantRepository[AuditEntryRow]):
    model = AuditEntryRow
    noun = "decision"

    async def since(self, created_at: str) -> list[str]:
        """Payloads of the quote decisions recorded at or after ``created_at``, oldest first."""
        stmt = self.statement().with_only_columns(AuditEntryRow.payload).where(
            AuditEntryRow.kind == "quote", AuditEntryRow.created_at >= created_at).order_by(AuditEntryRow.seq)
        return list((await self.session.execute(stmt)).scalars())
