"""After a restart in the embedded mode: give the in-process queue back what it held.

Without Redis, chunk jobs and webhook retries live in a background thread's queue and die with the
process. Everything they would do is recorded in the database, though: a run that is not finished
has chunks not yet ``done`` or ``failed``, and a delivery not yet sent is ``pending``. So a server
starting up hands those to its dispatcher again. Chunks are safe to run twice (a chunk replaces
its rows), a run whose chunks all finished but which was never closed is closed here, and
deliveries keep their identity (receivers de-duplicate on ``webhook-id``). With Redis nothing is
needed: the jobs wait in Redis for a ``saas worker``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from saas.audit.decisions import DecisionLog
from saas.clock import parse_timestamp
from saas.db import Database
from saas.tenancy.service import LoadedTenant
from saas.trips.jobs import Dispatcher
from saas.trips.models import ScoringRunRow
from saas.trips.repository import Chunks, Runs
from saas.trips.runs import TERMINAL, close_run
from saas.webhooks.models import DeliveryRow
from saas.webhooks.outbox import Deliveries


@dataclass(frozen=True)
class Resumed:
    chunks: int
    closed: int
    deliveries: int


async def resume(db: Database, decisions: DecisionLog, tenants: Iterable[LoadedTenant],
                 dispatcher: Dispatcher) -> Resumed:
    """Re-queue every unfinished chunk and pending delivery of the tenants; close finished runs."""
    if dispatcher.durable:
        return Resumed(0, 0, 0)
    chunks = closed = deliveries = 0
    for tenant in tenants:
        tenant_id = tenant.config.id
        async with db.sessions() as session:
            runs = await Runs(session, tenant_id).list(ScoringRunRow.status.in_(("queued", "running")))
            open_chunks = {run.id: [c.chunk for c in await Chunks(session, tenant_id).of_run(run.id)
                                    if c.status not in TERMINAL] for run in runs}
            pending = await Deliveries(session, tenant_id).list(DeliveryRow.status == "pending")
        for run in runs:
            if open_chunks[run.id]:
                dispatcher.enqueue_chunks(tenant_id, run.id, run.period, open_chunks[run.id])
                chunks += len(open_chunks[run.id])
                continue
            async with decisions.transaction() as session:  # every chunk finished; the close did not
                delivery = await close_run(session, decisions, tenant, run.id)
            closed += 1
            if delivery is not None:
                dispatcher.deliver(tenant_id, delivery)
                deliveries += 1
        for row in pending:
            dispatcher.deliver(tenant_id, row.id, _seconds_until(row.next_attempt_at))
            deliveries += 1
    return Resumed(chunks, closed, deliveries)


def _seconds_until(at: str | None) -> float:
    if at is None:
        return 0.0
    return max(0.0, (parse_timestamp(at) - dt.datetime.now(dt.UTC)).total_seconds())
