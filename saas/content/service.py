"""Configuration and ruleset versions: drafting and testing per kind, every later step through the
shared lifecycle (``saas.versioning.lifecycle``), the same as rate versions.

A draft is validated by the kind (exactly the loader ``saas check`` uses), stored with the text as
uploaded, and recorded in the chain in one transaction; the same content twice is the same version.
A deploy reloads this process's live content at once; every other process follows within a
second (``saas.content.live``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.clock import utc_timestamp
from saas.content.kinds import Kind
from saas.errors import Conflict
from saas.tenancy.keys import Principal
from saas.versioning.gate import FairnessGate, subject
from saas.versioning.lifecycle import Lifecycle, not_in_past, transition
from saas.versioning.models import ContentTestRun, ContentVersionRow
from saas.versioning.schemas import Author, DeployRequest, TestRequest, VersionSummary
from saas.versioning.store import ContentStore, TestRuns


class TestRun(msgspec.Struct, frozen=True):
    id: str
    version_id: str
    actor: str
    at: str
    result: Any


def summary(row: ContentVersionRow) -> VersionSummary:
    return VersionSummary(id=row.id, kind=row.kind, scope=row.scope, status=row.status,  # type: ignore[arg-type]
                          author=Author(row.author_name, row.author_key_id), message=row.message,
                          created_at=row.created_at, parent_id=row.parent_id)


class ContentVersions:
    def __init__(self, decisions: DecisionLog, kind: Kind, reload: Callable[[], Awaitable[None]],
                 fairness: FairnessGate | None = None) -> None:
        self.decisions, self.kind, self.fairness = decisions, kind, fairness
        self.lifecycle = Lifecycle(decisions, self.store, on_change=reload, before_deploy=self._before_deploy)

    def store(self, session: AsyncSession, tenant_id: str) -> ContentStore:
        return ContentStore(session, tenant_id, kind=self.kind.name, noun=self.kind.noun,
                            test_path=self.kind.path + "/{id}/test")

    async def draft(self, who: Principal, text: str, message: str) -> tuple[VersionSummary, bool]:
        """A new draft, or the existing version of the same content (``created`` False)."""
        parsed = await self.kind.parse(who, text)
        async with self.decisions.transaction() as session:
            store = self.store(session, who.tenant_id)
            existing = await store.versions.get_one_or_none(ContentVersionRow.id == parsed.id)
            if existing is not None:
                return summary(existing), False
            parent, _ = await store.deployments.current_and_previous(parsed.scope)
            row = ContentVersionRow(kind=self.kind.name, id=parsed.id, scope=parsed.scope, status="draft",
                                    parent_id=parent, author_name=who.name, author_key_id=who.key_id, message=message,
                                    created_at=utc_timestamp(), source_text=text, content=parsed.content)
            try:
                async with session.begin_nested():
                    store.versions.add(row)
            except IntegrityError:
                raise Conflict("the same content was drafted at this moment; send it again to get it") from None
            await self.kind.on_draft(session, who, parsed)
            await transition(self.decisions, session, store, who, row, "draft", "draft", note=message)
        return summary(row), True

    async def test(self, who: Principal, version_id: str, request: TestRequest) -> TestRun:
        async with self.decisions.transaction() as session:
            store = self.store(session, who.tenant_id)
            row = await store.get(version_id)
            result = await self.kind.test(session, who, row, request)
            run = TestRun(str(uuid.uuid4()), row.id, who.name, utc_timestamp(), result)
            TestRuns(session, who.tenant_id).add(ContentTestRun(
                id=run.id, kind=self.kind.name, version_id=row.id, actor_name=who.name, at=run.at,
                result=msgspec.json.encode(run).decode()))
            await transition(self.decisions, session, store, who, row, "test", row.status, test_run_id=run.id)
        return run

    async def approve(self, who: Principal, version_id: str) -> VersionSummary:
        return summary(await self.lifecycle.approve(who, version_id))

    async def reject(self, who: Principal, version_id: str, reason: str) -> VersionSummary:
        return summary(await self.lifecycle.reject(who, version_id, reason))

    async def deploy(self, who: Principal, version_id: str, request: DeployRequest,
                     today: dt.date | None = None) -> VersionSummary:
        """In force from ``effective_date`` (default today; a future date schedules it)."""
        today = today or dt.date.today()

        def dates_for(_: ContentVersionRow) -> dict[str, dt.date]:
            date = request.effective_date or today
            not_in_past({"effective_date": date}, today)
            return {"all": date}

        return summary(await self.lifecycle.deploy(who, version_id, dates_for))

    async def rollback(self, who: Principal, scope: str = "") -> VersionSummary:
        describe = f"the {self.kind.noun.split()[0]}" + (f" of {scope}" if scope else "")
        return summary(await self.lifecycle.rollback(who, scope, describe))

    async def _before_deploy(self, session: AsyncSession, who: Principal, row: ContentVersionRow) -> None:
        self.kind.check_deploy(who, row)
        if self.fairness is not None:  # a change the fairness gate flagged waits for a compliance sign-off
            await self.fairness.require_clear(session, who.tenant_id, subject(self.kind.name, row.id))
