"""The decision log: how every feature records its decisions and how compliance gets them back.

Rating, scoring and the coming features record into one tenant chain through this object, which
the assembly (app factory, CLI, job entry points) builds from a database and a group-commit
writer, so a service never reaches for a process-wide runtime to append a decision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.replay import Replayer, replay_decision
from saas.audit.schemas import AuditEntry, NewEntry, ReplayResponse
from saas.audit.service import append_decisions, get_decision
from saas.audit.writer import AppendHook, AuditWriter, run_hooks
from saas.db import Database


class DecisionLog:
    def __init__(self, db: Database, writer: AuditWriter | None = None) -> None:
        self.db = db
        self.hooks: list[AppendHook] = []
        self.writer = writer or AuditWriter(db)
        self.writer.hooks = self.hooks
        self.replayers: dict[str, Replayer] = {}

    def on_append(self, hook: AppendHook) -> None:
        """Run ``hook`` in every append's transaction (the compliance feature queues notice webhooks)."""
        self.hooks.append(hook)

    def register(self, kind: str, replayer: Replayer) -> None:
        """Make decisions of ``kind`` replayable (each kind's owner registers at assembly)."""
        self.replayers[kind] = replayer

    async def record(self, tenant_id: str, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        """Append and commit through the group-commit writer; returns once durable in the chain."""
        return await self.writer.append(tenant_id, entries)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction for a large batch appended in slices: all of it is recorded, or none."""
        async with self.db.session_scope() as session:
            yield session

    async def record_in(self, session: AsyncSession, tenant_id: str, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        sealed = await append_decisions(session, tenant_id, entries)
        await run_hooks(self.hooks, session, tenant_id, sealed)
        return sealed

    async def get(self, tenant_id: str, decision_id: str) -> AuditEntry:
        async with self.db.sessions() as session:
            return await get_decision(session, tenant_id, decision_id)

    async def replay(self, tenant_id: str, decision_id: str) -> ReplayResponse:
        return await replay_decision(self.db, self.replayers, tenant_id, decision_id)

    async def close(self) -> None:
        await self.writer.close()
