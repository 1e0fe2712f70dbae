"""Scoring runs on real RQ workers (``saas worker`` subprocesses), real Redis and PostgreSQL.

One run is hit by both faults at once: a worker is killed with SIGKILL while it holds a chunk,
and one chunk fails on every attempt (a PostgreSQL trigger refuses one driver's score row).
RQ's abandoned-job handling and retries must leave 0 missing and 0 duplicate scores, the failed
chunk reported with its error, and the other chunks' results standing. With the trigger gone, a
re-run on the workers and a run in the embedded mode must agree to the checksum.
"""

from __future__ import annotations

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
from saas.trips.dispatch import ABANDON_GRACE_S, CHUNK_RETRIES, ThreadDispatcher
from saas.trips.models import DriverScoreRow
from saas.trips.service import TripService
from saas.trips.worker import MAINTENANCE_S
from tests.services import PostgresServer
from tests.trips_data import PERIOD, month_of_trips
from tests.waiting import LOADED, until

pytestmark = pytest.mark.integration
TENANT = "partner-a"
DRIVERS = 1_200
CHUNK = 100
POISON = "d0777"
CHUNK_TIMEOUT_S = 6
CHUNKS = DRIVERS // CHUNK
WORKER_START_S = 30
"""A ``saas worker`` up and taking jobs: imports, the model parsed and warmed (a few seconds idle)."""
ONE_RUN_S = CHUNKS * CHUNK_TIMEOUT_S
"""Every chunk on one worker, each as long as its timeout allows: a run's longest way to the end."""
FAULTS_S = (CHUNK_TIMEOUT_S + ABANDON_GRACE_S + 2 * MAINTENANCE_S  # a killed worker's chunk noticed
            + sum(CHUNK_RETRIES) + (len(CHUNK_RETRIES) + 1) * CHUNK_TIMEOUT_S)  # the poisoned chunk's attempts
"""The killed worker's chunk expires (timeout + grace), an idle worker's maintenance finds it (an
interval to come due, another for the worker to wake), and the poisoned chunk's retries run out."""
TRIGGER = """
CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'refusing the score of %', NEW.driver_id; END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON driver_scores
FOR EACH ROW WHEN (NEW.driver_id = 'd0777') EXECUTE FUNCTION refuse_poison();
"""


@pytest.fixture(scope="module")
def env(postgres_server: PostgresServer, redis_url: str) -> dict[str, str]:
    url = postgres_server.create_database(f"workers_{uuid.uuid4().hex[:8]}")
    return {**os.environ, "SAAS_DATABASE_URL": url, "SAAS_REDIS_URL": redis_url,
            "SAAS_CHUNK_TIMEOUT_S": str(CHUNK_TIMEOUT_S), "SAAS_CHUNK_DRIVERS": str(CHUNK), "PYTHONPATH": str(ROOT)}


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


async def wait(service: TripService, run_id: str, within_s: float) -> RunView:
    return await until(lambda: service.run(TENANT, run_id),
                       lambda view: view.status in ("completed", "completed_with_failures", "failed"),
                       within_s=within_s * LOADED, what=f"run {run_id} to close (every chunk done or failed)")


async def kill_while_busy(redis_url: str, process: subprocess.Popen[bytes]) -> str:
    """SIGKILL the worker as soon as it holds a chunk; returns the chunk's job id."""
    redis = Redis.from_url(redis_url)

    async def current_job() -> str | None:
        assert process.poll() is None, f"worker exited with {process.returncode} before taking a chunk"
        mine = [w for w in Worker.all(connection=redis) if w.pid == process.pid]
        return mine[0].get_current_job_id() if mine else None

    job = await until(current_job, lambda job: job is not None, poll_s=0.02,
                      within_s=(WORKER_START_S + ONE_RUN_S) * LOADED, what=f"worker {process.pid} to hold a chunk")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return str(job)


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
    run = await wait(runtime.trips, view.id, within_s=ONE_RUN_S + FAULTS_S)

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
                                                                       requested_by="test")).id, within_s=ONE_RUN_S)
    assert rerun.status == "completed" and rerun.written == DRIVERS
    assert await score_rows(runtime) == (DRIVERS, DRIVERS)

    embedded = TripService(runtime.db, runtime.decisions, runtime.catalog, runtime.models, ThreadDispatcher(),
                           chunk_drivers=CHUNK)
    in_process = await wait(embedded, (await embedded.start_run(TENANT, PERIOD, explain=True,
                                                                 requested_by="test")).id, within_s=ONE_RUN_S)
    assert in_process.checksum == rerun.checksum and in_process.written == DRIVERS
