"""Job entry points: importable functions that take ids, open their own sessions, are safe twice.

RQ workers (``saas worker``) and the in-process runner (no ``SAAS_REDIS_URL``) call the very same
functions. What a job needs (database, model, tenants, decision log, a dispatcher for follow-up
jobs) comes from the ``JobContext`` the process's assembly installed: one per thread, since an
async engine belongs to the event loop of the thread that made it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import httpx

from saas.audit.decisions import DecisionLog
from saas.db import Database
from saas.scoring.selection import TenantModels
from saas.settings import DEFAULT_CHUNK_DRIVERS
from saas.tenancy.service import LoadedTenant
from saas.trips.chunk_run import ChunkFailed, score_chunk
from saas.webhooks.delivery import attempt, secret_of

T = TypeVar("T")
log = logging.getLogger("saas.jobs")


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


class Dispatcher(Protocol):
    """Where follow-up work goes: RQ queues, or the in-process runner."""

    durable: bool
    """Whether queued work outlives this process (Redis); if not, a restart resumes it (``resume``)."""

    def enqueue_run(self, tenant_id: str, run_id: str, period: str, chunks: int) -> None: ...

    def enqueue_chunks(self, tenant_id: str, run_id: str, period: str, chunks: Sequence[int]) -> None: ...

    def deliver(self, tenant_id: str, delivery_id: str, delay_s: float = 0.0) -> None: ...

    def schedule_run(self, tenant_id: str, fire: dt.datetime, ident: str) -> None: ...


@dataclass
class JobContext:
    db: Database
    decisions: DecisionLog
    tenants: Tenants
    models: TenantModels
    """The default model and every tenant's pinned one: a chunk scores with its run's pinned version."""
    dispatcher: Dispatcher
    spread_override: Decimal | None = None
    chunk_drivers: int = DEFAULT_CHUNK_DRIVERS
    """Drivers per chunk of a run this process plans itself (a scheduled firing): ``SAAS_CHUNK_DRIVERS``."""
    http_client: Callable[[], httpx.AsyncClient] = httpx.AsyncClient
    """Makes the client webhook deliveries are sent with (one per attempt)."""
    refresh: Callable[[Database], Awaitable[bool]] | None = None
    """A worker process's way to the deployed content: before each job, reload the tenants and
    rulesets in force if a deploy moved them (one tiny read), so a worker follows a deploy within
    a job's time. None where the process's own watcher keeps them fresh (API replicas, embedded)."""


_factory: Callable[[], JobContext] | None = None
_local = threading.local()


def install(factory: Callable[[], JobContext]) -> None:
    """Called once by the process's assembly (app, CLI, worker) before any job runs."""
    global _factory
    _factory = factory


def bind(factory: Callable[[], JobContext]) -> None:
    """This thread's jobs use ``factory``'s context: an embedded runtime's own job thread, so two
    runtimes in one process (tests, tools) each run their jobs against their own database."""
    _local.factory = factory


def run(work: Callable[[JobContext], Awaitable[T]]) -> T:
    """Run ``work`` on this thread's event loop with this thread's context (both kept for reuse)."""
    factory = getattr(_local, "factory", None) or _factory
    if factory is None:
        raise RuntimeError("no job context installed: start jobs through `saas worker` or the app")
    if getattr(_local, "runner", None) is None:
        _local.runner = asyncio.Runner()
        _local.context = _local.runner.run(_build(factory))
    context: JobContext = _local.context
    return _local.runner.run(_fresh(context, work))


async def _fresh(ctx: JobContext, work: Callable[[JobContext], Awaitable[T]]) -> T:
    if ctx.refresh is not None:
        try:
            if await ctx.refresh(ctx.db) and ctx.dispatcher.durable:
                from saas.trips.schedule import ensure_scheduled  # schedule imports this module

                ensure_scheduled(ctx.tenants, ctx.dispatcher)  # a deployed schedule reaches the scheduler
        except Exception:  # the job still runs with what this process has; the next job retries
            log.warning("could not refresh the deployed content before a job", exc_info=True)
    return await work(ctx)


async def _build(factory: Callable[[], JobContext]) -> JobContext:
    return factory()


def score_chunk_job(tenant_id: str, run_id: str, chunk: int) -> dict[str, Any]:
    """The RQ job: one chunk. The last attempt (no retries left) reports a failure in the run."""
    from rq import get_current_job

    job = get_current_job()
    final = job is None or not job.retries_left
    return run_chunk(tenant_id, run_id, chunk, final=final)


def run_chunk(tenant_id: str, run_id: str, chunk: int, *, final: bool) -> dict[str, Any]:
    return run(lambda ctx: _chunk(ctx, tenant_id, run_id, chunk, final))


async def _chunk(ctx: JobContext, tenant_id: str, run_id: str, chunk: int, final: bool) -> dict[str, Any]:
    try:
        delivery, written = await score_chunk(ctx.db, ctx.decisions, ctx.tenants.tenant(tenant_id), ctx.models,
                                              run_id, chunk, final=final, spread_override=ctx.spread_override)
    except ChunkFailed as exc:
        ctx.dispatcher.deliver(tenant_id, exc.delivery)
        raise
    if delivery is not None:
        ctx.dispatcher.deliver(tenant_id, delivery)
    return {"run": run_id, "chunk": chunk, "written": written}


def chunk_abandoned(job: Any, connection: Any, kind: Any, value: Any, tb: Any) -> None:
    """RQ failure callback: a worker died (kill -9) holding the chunk on its last attempt. Nothing
    else would report it, so mark it failed and close the run; earlier attempts are retried by RQ."""
    from rq.exceptions import AbandonedJobError

    if kind is AbandonedJobError and not job.retries_left:
        tenant_id, run_id, chunk = job.args
        run(lambda ctx: _abandoned(ctx, tenant_id, run_id, chunk))


async def _abandoned(ctx: JobContext, tenant_id: str, run_id: str, chunk: int) -> None:
    from saas.trips.chunk_run import fail_chunk

    delivery = await fail_chunk(ctx.db, ctx.decisions, ctx.tenants.tenant(tenant_id), run_id, chunk,
                                "the worker running this chunk died on its last attempt")
    if delivery is not None:
        ctx.dispatcher.deliver(tenant_id, delivery)


def deliver_job(tenant_id: str, delivery_id: str) -> str:
    """The RQ job (and in-process task) for one webhook attempt; schedules the next on failure."""
    return run(lambda ctx: _deliver(ctx, tenant_id, delivery_id))


async def _deliver(ctx: JobContext, tenant_id: str, delivery_id: str) -> str:
    secret = secret_of(ctx.tenants.tenant(tenant_id).config.webhook)
    async with ctx.http_client() as client, ctx.db.session_scope() as session:
        outcome = await attempt(session, tenant_id, delivery_id, secret, client)
    if outcome.retry_in_s is not None:
        ctx.dispatcher.deliver(tenant_id, delivery_id, outcome.retry_in_s)
    return outcome.status
