"""Scoring runs on real RQ workers (``saas worker`` subprocesses), real Redis and PostgreSQL.

One run is hit by both faults at once: a worker is killed with SIGKILL while it holds a chunk,
and one chunk fails on every attempt (a PostgreSQL trigger refuses one driver's score row).
RQ's abandoned-job handling and retries must leave 0 missing and 0 duplicate scores, the failed
chunk reported with its error, and the other chunks' results standing. With the trigger gone, a
re-run on the workers and a run in the embedded mode must agree to the checksum.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import func, select, text

from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.trips.api_schemas import DriverRequest, RunView
from saas.trips.dispatch import ThreadDispatcher
from saas.trips.models import DriverScoreRow
from saas.trips.service import TripService
from tests.services import PostgresServer
from tests.trips_data import PERIOD, month_of_trips

pytestmark = pytest.mark.integration
TENANT = "partner-a"
DRIVERS = 1_200
CHUNK = 100
POISON = "d0777"
TRIGGER = """
CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'refusing the score of %', NEW.driver_id; END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON driver_scores
FOR EACH ROW WHEN (NEW.driver_id = 'd0777') EXECUTE FUNCTION refuse_poison();
"""


@pytest.fixture(scope="module")
def env(postgres_server: PostgresServer, redis_url: str) -> dict[str, str]:
    url = postgres_server.create_database(f"workers_{uuid.uuid4().hex[:8]}")
    return {**os.environ, "SAAS_DATABASE_URL": url, "SAAS_REDIS_URL": redis_url, "SAAS_CHUNK_TIMEOUT_S": "6",
            "SAAS_CHUNK_DRIVERS": str(CHUNK), "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
async def runtime(env: dict[str, str]) -> AsyncIterator[Runtime]:
    settings = load_settings(env)
    rt = Runtime.load(settings)
    await upgrade_schema(rt.db)
    assert rt.trips is not None
    drivers = [f"d{i:04d}" for i in range(DRIVERS)]
    for driver in drivers:
        await rt.trips.put_driver(TENANT, driver, DriverRequest(state="TX", prior_claim_count=int(driver[-1]) % 2))
    trips = month_of_trips(drivers, trips_each=3)
    for start in range(0, len(trips), 5_000):
        report = await rt.trips.ingest(TENANT, msgspec.json.encode({"trips": trips[start:start + 5_000]}))
        assert report.rejected == 0
    yield rt
    await rt.close()


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "saas.cli", "worker", "--name", name], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def workers(env: dict[str, str]) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    started = {name: start_worker(env, f"{name}-{uuid.uuid4().hex[:6]}") for name in ("w1", "w2")}
    yield started
    for process in started.values():
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


async def wait(service: TripService, run_id: str, timeout_s: float) -> RunView:
    for _ in range(int(timeout_s * 5)):
        view = await service.run(TENANT, run_id)
        if view.status in ("completed", "completed_with_failures", "failed"):
            return view
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish: {view}")


async def kill_while_busy(redis_url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> str:
    """SIGKILL the worker as soon as it holds a chunk; returns the chunk's job id."""
    redis = Redis.from_url(redis_url)
    for _ in range(int(timeout_s * 20)):
        for worker in Worker.all(connection=redis):
            if worker.pid == process.pid and worker.get_current_job_id():
                job = worker.get_current_job_id()
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                return str(job)
        await asyncio.sleep(0.05)
    raise AssertionError("the worker never picked up a chunk")


async def score_rows(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.sessions() as session:
        stmt = select(func.count(), func.count(DriverScoreRow.driver_id.distinct())).where(
            DriverScoreRow.tenant_id == TENANT, DriverScoreRow.period == PERIOD)
        rows, drivers = (await session.execute(stmt)).one()
        return int(rows), int(drivers)


async def test_kill_9_and_a_poisoned_chunk_leave_no_missing_or_duplicate_scores(
        runtime: Runtime, workers: dict[str, subprocess.Popen[bytes]], env: dict[str, str]) -> None:
    assert runtime.trips is not None
    async with runtime.db.session_scope() as session:
        for statement in TRIGGER.strip().split(";\n"):
            await session.execute(text(statement))
    view = await runtime.trips.start_run(TENANT, PERIOD, explain=True, requested_by="test")
    killed = await kill_while_busy(env["SAAS_REDIS_URL"], workers["w1"])
    assert killed.startswith(f"{TENANT}-{PERIOD}-")
    run = await wait(runtime.trips, view.id, timeout_s=150)

    poisoned = int(POISON[1:]) // CHUNK
    assert run.status == "completed_with_failures"
    assert [(f.chunk, f.attempts) for f in run.failed_chunks] == [(poisoned, 4)]
    assert "refusing the score of d0777" in run.failed_chunks[0].error
    assert run.reconciliation is not None
    assert (run.reconciliation.missing, run.reconciliation.duplicates) == (0, 0)
    assert run.written == DRIVERS - CHUNK == run.reconciliation.written
    assert await score_rows(runtime) == (DRIVERS - CHUNK, DRIVERS - CHUNK)

    async with runtime.db.session_scope() as session:
        await session.execute(text("DROP TRIGGER refuse_poison ON driver_scores"))
    rerun = await wait(runtime.trips, (await runtime.trips.start_run(TENANT, PERIOD, explain=True,
                                                                       requested_by="test")).id, timeout_s=90)
    assert rerun.status == "completed" and rerun.written == DRIVERS
    assert await score_rows(runtime) == (DRIVERS, DRIVERS)

    embedded = TripService(runtime.db, runtime.decisions, runtime.catalog, runtime.models, ThreadDispatcher(),
                           chunk_drivers=CHUNK)
    in_process = await wait(embedded, (await embedded.start_run(TENANT, PERIOD, explain=True,
                                                                 requested_by="test")).id, timeout_s=90)
    assert in_process.checksum == rerun.checksum and in_process.written == DRIVERS
