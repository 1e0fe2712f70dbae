"""The rate-version workflow: draft → test → approve (four eyes) → deploy, reject, roll back.

Drafting and testing are the rate tables' own; every transition after them is the shared lifecycle
(``saas.versioning.lifecycle``) over the rate tables (``RateStore``).

Each transition is one transaction that also appends its audit-chain entry, so a change and its
record commit together or not at all. Versions are immutable (the id is the content hash);
statuses are labels over an append-only history; deployments are rows, never edited except to
mark one withdrawn by a rollback, which then adds the deployment that replaces it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.snapshots import put_snapshot
from saas.clock import utc_timestamp
from saas.errors import Conflict, ValidationFailed
from saas.rates.models import RateTestRun, RateVersionRow
from saas.rates.repository import Deployments, RateStore, TestRuns, Versions, summary
from saas.rates.schemas import DeployRequest, ScenarioResult, TestRequest, TestRun, VersionSummary
from saas.rates.source import DeployedRates
from saas.rates.testing import Scenario, caller_scenarios, rate_scenarios, recent_scenarios, scenarios_requested
from saas.rating.lookups import RateTable, compile_table
from saas.rating.quoting import QuoteService
from saas.rating.schemas import RateTableSpec
from saas.tenancy.keys import Principal
from saas.versioning import lifecycle
from saas.versioning.gate import FairnessGate, subject
from saas.versioning.lifecycle import Lifecycle, not_in_past

KINDS = ("new", "renewal")


class RateVersions:
    def __init__(self, decisions: DecisionLog, rates: DeployedRates, quotes: QuoteService,
                 fairness: FairnessGate | None = None) -> None:
        self.decisions, self.rates, self.quotes, self.fairness = decisions, rates, quotes, fairness
        self.lifecycle = Lifecycle(decisions, RateStore, on_change=rates.reload, before_deploy=self._before_deploy)

    async def draft(self, who: Principal, spec: RateTableSpec, message: str, *, filing_reference: str | None = None,
                    expiry_date: dt.date | None = None) -> tuple[VersionSummary, bool]:
        """A new draft, or the existing version of the same content (``created`` False)."""
        self._check_table(who.tenant_id, spec)
        if expiry_date is not None and expiry_date < spec.effective_date:
            raise ValidationFailed("the expiry date is before the table's effective date", path="$.expiry_date")
        table = compile_table(spec)
        async with self.decisions.transaction() as session:
            versions = Versions(session, who.tenant_id)
            existing = await versions.get_one_or_none(RateVersionRow.id == table.content_hash)
            if existing is not None:
                return summary(existing), False
            parent = await Deployments(session, who.tenant_id).current_version(spec.state, spec.product)
            draft = RateVersionRow(
                id=table.content_hash, state=spec.state, product=spec.product, status="draft", parent_id=parent,
                author_name=who.name, author_key_id=who.key_id, message=message, filing_reference=filing_reference,
                created_at=utc_timestamp(), effective_date=spec.effective_date, expiry_date=expiry_date,
                content=msgspec.json.encode(spec).decode())
            try:
                async with session.begin_nested():
                    row = versions.add(draft)
            except IntegrityError:
                raise Conflict("the same table was drafted at this moment; send it again to get it") from None
            await put_snapshot(session, "rate_table", row.content, hash=row.id, tenant_id=who.tenant_id)
            await transition(self.decisions, session, who, row, "draft", "draft", note=message)
        return summary(row), True

    def _check_table(self, tenant_id: str, spec: RateTableSpec) -> None:
        if spec.tenant != tenant_id:
            raise ValidationFailed(f"a rate table names its own tenant ('{tenant_id}')", path="$.table.tenant")
        served = self.quotes.config.tenant(tenant_id).config.states
        if spec.state not in served:
            raise ValidationFailed(f"the tenant does not serve {spec.state} (serves {', '.join(served)})",
                                   path="$.table.state")

    async def test(self, who: Principal, version_id: str, request: TestRequest,
                   today: dt.date | None = None) -> TestRun:
        scenarios_requested(request)
        today = today or dt.date.today()
        async with self.decisions.transaction() as session:
            row = await Versions(session, who.tenant_id).get(version_id)
            if request.scenarios is not None:
                scenarios = caller_scenarios(request.scenarios)
            else:
                scenarios = await recent_scenarios(session, who.tenant_id, row.state, row.product,
                                                   request.recent_decisions or 0)
            results, impact = rate_scenarios(self.quotes, who.tenant_id, table_of(row), scenarios, today)
            run = TestRun(str(uuid.uuid4()), row.id, who.name, utc_timestamp(), results, impact)
            TestRuns(session, who.tenant_id).add(RateTestRun(id=run.id, version_id=row.id, actor_name=who.name,
                                                             at=run.at, result=msgspec.json.encode(run).decode()))
            await transition(self.decisions, session, who, row, "test", row.status, test_run_id=run.id,
                                   note=f"{len(results)} scenarios")
            await self._fairness_gate(session, who, row, scenarios, results)
        return run

    async def _fairness_gate(self, session: AsyncSession, who: Principal, row: RateVersionRow,
                             scenarios: Sequence[Scenario], results: Sequence[ScenarioResult]) -> None:
        """Premiums before and after by driver (the quote's reference), through the fairness gate."""
        if self.fairness is None:
            return
        drivers = {key: quote.reference for key, quote in scenarios if quote.reference}
        priced = [r for r in results if r.key in drivers and r.old_premium is not None and r.new_premium is not None]
        before = {"premium": {drivers[r.key]: float(r.old_premium or 0) for r in priced}}
        after = {"premium": {drivers[r.key]: float(r.new_premium or 0) for r in priced}}
        result = await self.fairness.gate(who.tenant_id, before, after) if priced else None
        if result is not None:
            await self.fairness.record_gate(session, who, subject("rate_version", row.id), result)

    async def _before_deploy(self, session: AsyncSession, who: Principal, row: RateVersionRow) -> None:
        """A version the fairness gate flagged waits for a compliance sign-off (deploy and rollback alike)."""
        if self.fairness is not None:
            await self.fairness.require_clear(session, who.tenant_id, subject("rate_version", row.id))

    async def approve(self, who: Principal, version_id: str) -> VersionSummary:
        return summary(await self.lifecycle.approve(who, version_id))

    async def reject(self, who: Principal, version_id: str, reason: str) -> VersionSummary:
        return summary(await self.lifecycle.reject(who, version_id, reason))

    async def deploy(self, who: Principal, version_id: str, request: DeployRequest,
                     today: dt.date | None = None) -> VersionSummary:
        """Put an approved version in force from its dates (a future date schedules it); atomic."""
        today = today or dt.date.today()

        def dates_for(row: RateVersionRow) -> dict[str, dt.date]:
            new = request.effective_date or max(today, row.effective_date)
            renewal = request.renewal_effective_date or new
            not_in_past({"effective_date": new, "renewal_effective_date": renewal}, today)
            return {"new": new, "renewal": renewal}

        return summary(await self.lifecycle.deploy(who, version_id, dates_for))

    async def rollback(self, who: Principal, state: str, product: str) -> VersionSummary:
        """Redeploy the version in force before the current one, from the current one's dates."""
        return summary(await self.lifecycle.rollback(who, (state, product), f"{state} {product}"))


def table_of(row: RateVersionRow) -> RateTable:
    return compile_table(msgspec.json.decode(row.content, type=RateTableSpec), source=f"version:{row.id}")


async def deploy_rows(decisions: DecisionLog, session: AsyncSession, who: Principal, row: RateVersionRow,
                      dates: dict[str, dt.date], action: str) -> None:
    """The shared lifecycle's deployment step over the rate tables (used by the file import too)."""
    await lifecycle.deploy_rows(decisions, session, RateStore(session, who.tenant_id), who, row, dates, action)


async def transition(decisions: DecisionLog, session: AsyncSession, who: Principal, row: RateVersionRow,
                     action: str, status: str, *, note: str | None = None, test_run_id: str | None = None,
                     effective_date: dt.date | None = None, renewal_effective_date: dt.date | None = None) -> None:
    """Set the status, add a history row and the audit-chain entry, all in this transaction."""
    dates = {lane: date for lane, date in (("new", effective_date), ("renewal", renewal_effective_date)) if date}
    await lifecycle.transition(decisions, session, RateStore(session, who.tenant_id), who, row, action, status,
                               note=note, test_run_id=test_run_id, dates=dates)
