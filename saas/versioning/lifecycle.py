"""The one lifecycle of every versioned kind: draft → test → approve (four eyes) → deploy, reject,
supersede, roll back. Rate tables, tenant configurations and state rulesets all go through here.

Each kind supplies a ``Store`` (its tables, bound to one transaction and one tenant) and decides
what is kind-specific: how a draft is validated, diffed and impact-tested, and which dates a deploy
takes. What is written once is the part a compliance officer relies on: who may move a version
from which status to which, that a change and its audit-chain entry commit together, that a
deployment for a date that already has one supersedes it (recorded as such), and that of two
concurrent deploys for one date exactly one wins (the partial unique index of each kind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.errors import Conflict, Forbidden, ValidationFailed
from saas.tenancy.keys import Principal

Dates = Mapping[str, dt.date]
"""Effective date per deployment lane (rates: ``new`` and ``renewal``; other kinds: one lane)."""


class Version(Protocol):
    id: str
    status: str
    author_name: str


class Store(Protocol):
    """One kind's version tables inside one transaction, scoped to one tenant."""

    noun: str
    """How errors name a version of this kind ("rate version", "configuration version")."""
    test_path: str
    """Where the impact test of a version is run (named in the 409 that asks for one)."""

    async def get(self, version_id: str, *, for_update: bool = False) -> Any: ...

    async def has_test_run(self, version_id: str) -> bool: ...

    async def deployed_besides(self, row: Any) -> Sequence[Any]: ...

    async def withdraw_on(self, row: Any, lane: str, date: dt.date, *, by: str) -> str | None:
        """Withdraw the active deployment of ``row``'s scope for ``lane`` on exactly ``date``; its version."""

    def add_deployment(self, row: Any, lane: str, date: dt.date, action: str, who: Principal) -> None: ...

    async def current_and_previous(self, scope: Any) -> tuple[str | None, str | None]: ...

    async def withdraw(self, version_id: str, scope: Any, *, by: str) -> dict[str, dt.date]: ...

    async def bump_generation(self) -> None: ...

    def add_event(self, row: Any, action: str, status: str, who: Principal, note: str | None) -> None: ...

    def entry(self, row: Any, action: str, status: str, who: Principal, note: str | None, dates: Dates,
              test_run_id: str | None) -> NewEntry: ...


StoreFactory = Callable[[AsyncSession, str], Store]
DeployCheck = Callable[[AsyncSession, Principal, Any], Awaitable[None]]
"""A kind's last word before a deploy commits (dependencies, a sign-off it requires); raises to refuse."""


async def transition(decisions: DecisionLog, session: AsyncSession, store: Store, who: Principal, row: Any,
                     action: str, status: str, *, note: str | None = None, test_run_id: str | None = None,
                     dates: Dates | None = None) -> None:
    """Set the status, add a history row and the audit-chain entry, all in this transaction."""
    row.status = status
    store.add_event(row, action, status, who, note)
    entry = store.entry(row, action, status, who, note, dates or {}, test_run_id)
    await decisions.record_in(session, who.tenant_id, [entry])


def not_in_past(dates: Mapping[str, dt.date], today: dt.date) -> None:
    """Deployments never rewrite history: every date (by its request field name) is today or later."""
    for name, date in dates.items():
        if date < today:
            raise ValidationFailed(f"{name} {date} is in the past; deployments never rewrite history",
                                   path=f"$.{name}")


def require(row: Version, allowed: str | tuple[str, ...], action: str) -> None:
    allowed = (allowed,) if isinstance(allowed, str) else allowed
    if row.status not in allowed:
        raise Conflict(f"cannot {action} a {row.status} version (only {' or '.join(allowed)})")


class Lifecycle:
    """The transitions after a draft, for one kind (its ``StoreFactory``)."""

    def __init__(self, decisions: DecisionLog, stores: StoreFactory, *,
                 on_change: Callable[[], Awaitable[None]] | None = None,
                 before_deploy: DeployCheck | None = None) -> None:
        self.decisions, self.stores = decisions, stores
        self.on_change, self.before_deploy = on_change, before_deploy

    async def approve(self, who: Principal, version_id: str) -> Any:
        async with self.decisions.transaction() as session:
            store = self.stores(session, who.tenant_id)
            row = await store.get(version_id, for_update=True)
            if row.author_name == who.name:
                raise Forbidden("four eyes: the author of a version may not approve it; ask another approver")
            require(row, "draft", "approve")
            if not await store.has_test_run(row.id):
                raise Conflict(f"run an impact test of this exact version before approving it "
                               f"(POST {store.test_path.format(id=row.id)})")
            await transition(self.decisions, session, store, who, row, "approve", "approved")
        return row

    async def reject(self, who: Principal, version_id: str, reason: str) -> Any:
        async with self.decisions.transaction() as session:
            store = self.stores(session, who.tenant_id)
            row = await store.get(version_id, for_update=True)
            require(row, ("draft", "approved"), "reject")
            await transition(self.decisions, session, store, who, row, "reject", "rejected", note=reason)
        return row

    async def deploy(self, who: Principal, version_id: str, dates_for: Callable[[Any], Dates]) -> Any:
        """Put an approved version in force from its dates (a future date schedules it); atomic."""
        async with self.decisions.transaction() as session:
            store = self.stores(session, who.tenant_id)
            row = await store.get(version_id, for_update=True)
            require(row, "approved", "deploy")
            dates = dates_for(row)
            if self.before_deploy is not None:
                await self.before_deploy(session, who, row)
            await deploy_rows(self.decisions, session, store, who, row, dates, "deploy")
            for other in await store.deployed_besides(row):
                await transition(self.decisions, session, store, who, other, "supersede", "superseded",
                                 note=f"by {row.id}")
            await transition(self.decisions, session, store, who, row, "deploy", "deployed", dates=dates)
        await self._changed()
        return row

    async def rollback(self, who: Principal, scope: Any, describe: str) -> Any:
        """Redeploy the version in force before the current one, from the current one's dates."""
        async with self.decisions.transaction() as session:
            store = self.stores(session, who.tenant_id)
            current, previous = await store.current_and_previous(scope)
            if current is None or previous is None:
                raise Conflict(f"nothing to roll back to for {describe}: no earlier deployed version")
            gone, back = await store.get(current, for_update=True), await store.get(previous, for_update=True)
            if self.before_deploy is not None:
                await self.before_deploy(session, who, back)
            dates = await store.withdraw(current, scope, by=who.name)
            await deploy_rows(self.decisions, session, store, who, back, dates, "rollback")
            await transition(self.decisions, session, store, who, gone, "rollback", "superseded",
                             note=f"rolled back to {back.id}")
            await transition(self.decisions, session, store, who, back, "rollback", "deployed",
                             note=f"replaces {gone.id}", dates=dates)
        await self._changed()
        return back

    async def _changed(self) -> None:
        if self.on_change is not None:
            await self.on_change()


class Deployed(Protocol):
    version_id: str
    withdrawn_at: str | None
    withdrawn_for: str | None


def current_and_previous(rows: Sequence[Deployed]) -> tuple[str | None, str | None]:
    """From a scope's deployments in the order they were made: the version in force most recently
    deployed, and the one deployed before it that a rollback may return to (in force, or replaced
    by a same-date deployment; a version rolled back from is never a target again)."""
    active = [row for row in rows if row.withdrawn_at is None]
    if not active:
        return None, None
    current = active[-1].version_id
    earlier = [row.version_id for row in rows if row.version_id != current
               and (row.withdrawn_at is None or row.withdrawn_for == "supersede")]
    return current, (earlier[-1] if earlier else None)


async def deploy_rows(decisions: DecisionLog, session: AsyncSession, store: Store, who: Principal, row: Any,
                      dates: Dates, action: str) -> None:
    """Add the deployment rows and bump the generation. A date that already has an active deployment
    is superseded by this one (the earlier row withdrawn, its version told so in its history and the
    chain); a concurrent deploy for the same date makes the unique index refuse one of the two."""
    try:
        async with session.begin_nested():  # a savepoint: the refusal leaves the transaction usable
            replaced: dict[str, str] = {}
            for lane, date in dates.items():
                earlier = await store.withdraw_on(row, lane, date, by=who.name)
                if earlier is not None and earlier != row.id:
                    replaced[earlier] = f"{lane} {date}" if len(dates) > 1 else str(date)
                store.add_deployment(row, lane, date, action, who)
            await session.flush()
    except IntegrityError:
        days = ", ".join(sorted({str(d) for d in dates.values()}))
        raise Conflict(f"another deployment for {days} was made at this moment; look at the log and "
                       "deploy again to supersede it") from None
    for earlier, when in replaced.items():
        other = await store.get(earlier)
        await transition(decisions, session, store, who, other, "supersede", "superseded",
                         note=f"its deployment for {when} is superseded by {row.id}")
    await store.bump_generation()
