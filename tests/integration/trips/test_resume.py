"""A restarted server in the embedded mode resumes what its in-process queue lost.

The states are the ones a process killed in the middle leaves behind: a run planned but none of
its chunks run, one chunk caught ``running``; a run whose chunks all ended (failed) but which was
never closed; a webhook delivery still ``pending``. A fresh runtime's ``resume`` must finish the
first, close the second and attempt the third, with nothing lost and nothing done twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import select

from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import load_settings
from saas.trips.api_schemas import DriverRequest, Reconciliation
from saas.trips.models import ScoringChunkRow, ScoringRunRow
from saas.trips.repository import Chunks
from saas.trips.runs import plan_run
from saas.webhooks.models import DeliveryRow
from saas.webhooks.outbox import queue_event
from tests.trips_data import PERIOD, PREVIOUS, month_of_trips
from tests.waiting import LOADED

pytestmark = pytest.mark.integration
TENANT = "partner-b"
DRIVERS = [f"r{i:03d}" for i in range(35)]


def runtime_at(path: Path) -> Runtime:
    """A process's runtime on the embedded default (SQLite, in-process jobs), chunks of 10 drivers."""
    return Runtime.load(load_settings({"SAAS_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
                                       "SAAS_CHUNK_DRIVERS": "10"}))


async def planned_run(rt: Runtime, period: str) -> str:
    """A run as ``start_run`` commits it, but never handed to a queue (the process died right after)."""
    tenant = rt.catalog.tenant(TENANT)
    async with rt.db.session_scope() as session:
        planned = await plan_run(session, tenant, period, explain=False, model_version=rt.model.version,
                                 requested_by="test", chunk_drivers=10)
    return planned.run.id


async def test_unfinished_runs_and_pending_deliveries_are_resumed(tmp_path: Path) -> None:
    before = runtime_at(tmp_path / "saas.db")
    await upgrade_schema(before.db)
    assert before.trips is not None
    for driver in DRIVERS:
        await before.trips.put_driver(TENANT, driver, DriverRequest(state="TX"))
    trips = month_of_trips(DRIVERS, PERIOD, seed=5)
    await before.trips.ingest(TENANT, msgspec.json.encode({"trips": trips}))
    lost = await planned_run(before, PERIOD)
    async with before.db.session_scope() as session:  # chunk 1 was being scored when the process died
        await session.execute(Chunks(session, TENANT).update(ScoringChunkRow.run_id == lost,
                                                             ScoringChunkRow.chunk == 1).values(status="running",
                                                                                                attempts=1))
    unclosed = await planned_run(before, PREVIOUS)  # no trips that month: every chunk ends, then the crash
    async with before.db.session_scope() as session:
        await session.execute(Chunks(session, TENANT).update(ScoringChunkRow.run_id == unclosed).values(
            status="failed", error="the worker running this chunk died on its last attempt"))
        delivery = await queue_event(session, "partner-a", "https://hooks.partner-a.example/rating", "test.event",
                                     {"n": 1}, event_id="msg_resume_test")
    assert delivery == "msg_resume_test"
    await before.close()

    after = runtime_at(tmp_path / "saas.db")  # the restart
    assert after.trips is not None and not after.trips.dispatcher.durable
    resumed = await after.trips.resume(after.catalog.tenants.values())
    assert (resumed.chunks, resumed.closed, resumed.deliveries) == (4, 1, 1)
    join = after.trips.dispatcher.join
    try:  # four chunks of a few dozen drivers and one delivery, in this process: seconds even loaded
        await asyncio.wait_for(asyncio.to_thread(join), timeout=30 * LOADED)
    except TimeoutError:
        raise AssertionError(f"the resumed chunks and delivery were not done after {30 * LOADED:.0f} s") from None

    run = await after.trips.run(TENANT, lost)
    assert run.status == "completed" and (run.expected, run.written, run.not_scored) == (35, 35, 0)
    assert run.reconciliation == Reconciliation(expected=35, written=35, not_scored=0, in_failed_chunks=0,
                                                missing=0, duplicates=0)
    closed = await after.trips.run(TENANT, unclosed)
    assert closed.status == "failed" and closed.finished_at is not None
    assert [f.chunk for f in closed.failed_chunks] == [0, 1, 2, 3]
    async with after.db.sessions() as session:
        statuses = dict((await session.execute(select(ScoringRunRow.id, ScoringRunRow.status))).all())
        sent = (await session.execute(select(DeliveryRow).where(DeliveryRow.id == "msg_resume_test"))).scalar_one()
    assert statuses == {lost: "completed", unclosed: "failed"}
    for run_id, status in ((lost, "completed"), (unclosed, "failed")):  # each closed once, in the audit chain
        entry = await after.decisions.get(TENANT, f"run-{run_id}")
        assert entry.kind == "scoring_run" and entry.payload["status"] == status
    assert sent.attempts == 1 and sent.status == "pending"  # attempted (the example host does not exist)
    again = await after.trips.resume(after.catalog.tenants.values())
    assert (again.chunks, again.closed) == (0, 0)  # nothing left to resume
    await after.close()
