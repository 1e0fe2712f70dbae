"""The rate-version workflow: draft → test → approve (four eyes) → deploy, reject, roll back.

Each transition is one transaction that also appends its audit-chain entry, so a change and its
record commit together or not at all. Versions are immutable (the id is the content hash);
statuses are labels over an append-only history; deployments are rows, never edited except to
mark one withdrawn by a rollback, which then adds the deployment that replaces it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.audit.snapshots import put_snapshot
from saas.clock import utc_timestamp
from saas.errors import Conflict, Forbidden, ValidationFailed
from saas.rates.models import RateDeployment, RateGeneration, RateTestRun, RateVersionEvent, RateVersionRow
from saas.rates.repository import Deployments, Events, TestRuns, Versions, summary
from saas.rates.schemas import DeployRequest, RateVersionEntry, ScenarioResult, TestRequest, TestRun, VersionSummary
from saas.rates.source import DeployedRates
from saas.rates.testing import Scenario, caller_scenarios, rate_scenarios, recent_scenarios, scenarios_requested
from saas.rating.lookups import RateTable, compile_table
from saas.rating.quoting import QuoteService
from saas.rating.schemas import RateTableSpec
from saas.tenancy.keys import Principal

KINDS = ("new", "renewal")


class FairnessGate(Protocol):
    """What the test and deploy steps ask of fairness testing (``saas.fairness.service``), handed in
    by the assembly, so that rates never imports the proxies: figures before and after a change, on
    the scenarios whose quote ``reference`` names a driver with a proxy; the change's latest result
    recorded; and a refusal to deploy a flagged change nobody in compliance has signed off."""

    async def gate(self, tenant_id: str, before: Mapping[str, Mapping[str, float]],
                   after: Mapping[str, Mapping[str, float]]) -> Any | None: ...

    async def record_gate(self, session: AsyncSession, who: Principal, subject: str, result: Any) -> str: ...

    async def require_clear(self, session: AsyncSession, tenant_id: str, subject: str) -> None: ...


class RateVersions:
    def __init__(self, decisions: DecisionLog, rates: DeployedRates, quotes: QuoteService,
                 fairness: FairnessGate | None = None) -> None:
        self.decisions, self.rates, self.quotes, self.fairness = decisions, rates, quotes, fairness

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
            await self.fairness.record_gate(session, who, f"rate_version:{row.id}", result)

    async def approve(self, who: Principal, version_id: str) -> VersionSummary:
        async with self.decisions.transaction() as session:
            row = await Versions(session, who.tenant_id).get(version_id, for_update=True)
            if row.author_name == who.name:
                raise Forbidden("four eyes: the author of a version may not approve it; ask another approver")
            self._require(row, "draft", "approve")
            if not await TestRuns(session, who.tenant_id).exists(row.id):
                raise Conflict("run an impact test of this exact version before approving it "
                               f"(POST /v1/rate-versions/{row.id}/test)")
            await transition(self.decisions, session, who, row, "approve", "approved")
        return summary(row)

    async def reject(self, who: Principal, version_id: str, reason: str) -> VersionSummary:
        async with self.decisions.transaction() as session:
            row = await Versions(session, who.tenant_id).get(version_id, for_update=True)
            self._require(row, ("draft", "approved"), "reject")
            await transition(self.decisions, session, who, row, "reject", "rejected", note=reason)
        return summary(row)

    async def deploy(self, who: Principal, version_id: str, request: DeployRequest,
                     today: dt.date | None = None) -> VersionSummary:
        """Put an approved version in force from its dates (a future date schedules it); atomic."""
        today = today or dt.date.today()
        async with self.decisions.transaction() as session:
            row = await Versions(session, who.tenant_id).get(version_id, for_update=True)
            self._require(row, "approved", "deploy")
            if self.fairness is not None:
                await self.fairness.require_clear(session, who.tenant_id, f"rate_version:{row.id}")
            new = request.effective_date or max(today, row.effective_date)
            renewal = request.renewal_effective_date or new
            for name, date in (("effective_date", new), ("renewal_effective_date", renewal)):
                if date < today:
                    raise ValidationFailed(f"{name} {date} is in the past; deployments never rewrite history",
                                           path=f"$.{name}")
            await deploy_rows(session, who, row, {"new": new, "renewal": renewal}, "deploy")
            await self._supersede_others(session, who, row)
            await transition(self.decisions, session, who, row, "deploy", "deployed", effective_date=new,
                                   renewal_effective_date=renewal)
        await self.rates.reload()
        return summary(row)

    async def rollback(self, who: Principal, state: str, product: str) -> VersionSummary:
        """Redeploy the version in force before the current one, from the current one's dates."""
        async with self.decisions.transaction() as session:
            deployments = Deployments(session, who.tenant_id)
            current, previous = await deployments.current_and_previous(state, product)
            if current is None or previous is None:
                raise Conflict(f"nothing to roll back to for {state} {product}: no earlier deployed version")
            versions = Versions(session, who.tenant_id)
            gone, back = await versions.get(current), await versions.get(previous)
            dates = await deployments.withdraw(current, state, product, by=who.name)
            await deploy_rows(session, who, back, dates, "rollback")
            await transition(self.decisions, session, who, gone, "rollback", "superseded",
                             note=f"rolled back to {back.id}")
            await transition(self.decisions, session, who, back, "rollback", "deployed", note=f"replaces {gone.id}",
                                   effective_date=dates.get("new"), renewal_effective_date=dates.get("renewal"))
        await self.rates.reload()
        return summary(back)

    async def _supersede_others(self, session: AsyncSession, who: Principal, row: RateVersionRow) -> None:
        for other in await Versions(session, who.tenant_id).deployed(row.state, row.product, besides=row.id):
            await transition(self.decisions, session, who, other, "supersede", "superseded", note=f"by {row.id}")

    @staticmethod
    def _require(row: RateVersionRow, allowed: str | tuple[str, ...], action: str) -> None:
        allowed = (allowed,) if isinstance(allowed, str) else allowed
        if row.status not in allowed:
            raise Conflict(f"cannot {action} a {row.status} version (only {' or '.join(allowed)})")


def table_of(row: RateVersionRow) -> RateTable:
    return compile_table(msgspec.json.decode(row.content, type=RateTableSpec), source=f"version:{row.id}")


async def deploy_rows(session: AsyncSession, who: Principal, row: RateVersionRow, dates: dict[str, dt.date],
                      action: str) -> None:
    """Add the deployment rows and bump the generation; a taken date is a Conflict (the unique index)."""
    repo = Deployments(session, who.tenant_id)
    now = utc_timestamp()
    try:
        async with session.begin_nested():  # a savepoint: the refusal leaves the transaction usable
            for kind, date in dates.items():
                repo.add(RateDeployment(state=row.state, product=row.product, kind=kind, effective_date=date,
                                        version_id=row.id, action=action, deployed_by=who.name,
                                        deployed_key_id=who.key_id, deployed_at=now))
    except IntegrityError:
        raise Conflict(f"another version is already deployed for {row.state} {row.product} on "
                       f"{', '.join(sorted({str(d) for d in dates.values()}))}") from None
    await session.execute(update(RateGeneration).where(RateGeneration.id == 1)
                          .values(generation=RateGeneration.generation + 1))


async def transition(decisions: DecisionLog, session: AsyncSession, who: Principal, row: RateVersionRow,
                     action: str, status: str, *, note: str | None = None, test_run_id: str | None = None,
                     effective_date: dt.date | None = None, renewal_effective_date: dt.date | None = None) -> None:
    """Set the status, add a history row and the audit-chain entry, all in this transaction."""
    row.status = status
    Events(session, who.tenant_id).add(RateVersionEvent(
        version_id=row.id, action=action, status=status, actor_name=who.name, actor_key_id=who.key_id,
        at=utc_timestamp(), note=note))
    entry = RateVersionEntry(action, row.id, row.state, row.product, status, who.name, who.key_id, note,
                             effective_date, renewal_effective_date, test_run_id)
    await decisions.record_in(session, who.tenant_id, [NewEntry(kind="rate_version", payload=entry)])
