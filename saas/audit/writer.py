"""Group commit for the audit chain: concurrent requests share one transaction.

Each decision must be durable in its tenant's chain before its response leaves, and the chain
head is a single row per tenant, so appends serialise. Paying one commit per request caps the
API at one commit latency per quote. Instead every request hands its entries to one writer task
per process and waits; the writer drains whatever is queued, appends it all (grouped by tenant,
in arrival order) in one transaction, commits once and wakes the requests. Under load a commit
carries many decisions; alone, a request pays exactly what a direct append costs.

A batch that fails is retried request by request, so one request's problem (a duplicate decision
id) fails that request only and never half-writes anyone's entries.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.schemas import AuditEntry, NewEntry
from saas.audit.service import append_decisions
from saas.db import Database

AppendHook = Callable[[AsyncSession, str, list[AuditEntry]], Awaitable[None]]
"""Runs in the append's transaction with the sealed entries (e.g. queue a webhook for some kinds):
what an entry causes commits with it or not at all. Registered at assembly."""

MAX_BATCH_ENTRIES = 20_000
"""Upper bound of entries per transaction, so one commit never grows without limit."""


@dataclass
class _Request:
    tenant_id: str
    entries: Sequence[NewEntry]
    done: asyncio.Future[list[AuditEntry]] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class AuditWriter:
    def __init__(self, db: Database, hooks: list[AppendHook] | None = None) -> None:
        self.db = db
        self.hooks = hooks if hooks is not None else []
        self._queue: asyncio.Queue[_Request] | None = None
        self._task: asyncio.Task[None] | None = None

    async def append(self, tenant_id: str, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        """Append and commit ``entries`` to the tenant's chain; returns them sealed."""
        if not entries:
            return []
        request = _Request(tenant_id, entries)
        self._ensure_running().put_nowait(request)
        return await request.done

    def _ensure_running(self) -> asyncio.Queue[_Request]:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="audit-writer")
        assert self._queue is not None
        return self._queue

    async def _run(self, queue: asyncio.Queue[_Request]) -> None:
        while True:
            batch = [await queue.get()]
            size = len(batch[0].entries)
            while size < MAX_BATCH_ENTRIES and not queue.empty():
                batch.append(queue.get_nowait())
                size += len(batch[-1].entries)
            await self._commit(batch)

    async def _commit(self, batch: list[_Request]) -> None:
        try:
            async with self.db.session_scope() as session:
                results = await _append_grouped(session, batch, self.hooks)
        except Exception as exc:  # retried one by one below, so only the faulty request fails
            if len(batch) == 1:
                _settle(batch[0], exc=exc)
                return
            for request in batch:
                await self._commit([request])
            return
        for request, sealed in zip(batch, results, strict=True):
            _settle(request, sealed)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._task


async def _append_grouped(session: AsyncSession, batch: list[_Request],
                          hooks: Sequence[AppendHook] = ()) -> list[list[AuditEntry]]:
    """One append per tenant for the whole batch (one head lock, one INSERT, one head UPDATE), in
    arrival order within each tenant; the sealed entries are handed back request by request."""
    by_tenant: dict[str, list[_Request]] = {}
    for request in batch:
        by_tenant.setdefault(request.tenant_id, []).append(request)
    sealed: dict[int, list[AuditEntry]] = {}
    for tenant_id, requests in by_tenant.items():
        entries = await append_decisions(session, tenant_id, [e for r in requests for e in r.entries])
        await run_hooks(hooks, session, tenant_id, entries)
        start = 0
        for request in requests:
            sealed[id(request)] = entries[start:start + len(request.entries)]
            start += len(request.entries)
    return [sealed[id(request)] for request in batch]


async def run_hooks(hooks: Sequence[AppendHook], session: AsyncSession, tenant_id: str,
                    entries: list[AuditEntry]) -> None:
    for hook in hooks:
        await hook(session, tenant_id, entries)


def _settle(request: _Request, sealed: list[AuditEntry] | None = None, *, exc: BaseException | None = None) -> None:
    if request.done.done():
        return
    if exc is not None:
        request.done.set_exception(exc)
    else:
        request.done.set_result(sealed or [])
