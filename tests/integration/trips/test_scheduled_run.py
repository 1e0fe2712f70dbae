"""A scheduled monthly run fires through RQ's scheduler in real ``saas worker`` processes.

The tenants (a copy of the shipped ones) have ``scoring_schedule`` in their YAML. The test
schedules a firing a couple of seconds away with ``RQDispatcher.schedule_run``, as ``_fire``
does for the next month, and waits for the run it starts: planned by the schedule, scored by the
workers, closed into the audit chain, the scheduled job consumed once and the next month's firing
scheduled. With two workers (two scheduler processes competing for the queue's lock) the month
is still scored by exactly one run.

Each test has its own Redis database, so no other test's jobs, workers or scheduler locks take
part (RQ's scheduler is a forked child of a worker: one whose worker was killed with SIGKILL, as in
test_workers, may still hold the lock).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgspec
import pytest
from redis import Redis
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select

from saas.clock import utc_timestamp
from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.tenancy.schemas import ScoringSchedule
from saas.trips.api_schemas import DriverRequest
from saas.trips.dispatch import CHUNK_TIMEOUT_S, SCORING_QUEUE, RQDispatcher
from saas.trips.ingest import put_driver
from saas.trips.models import ScoringRunRow
from saas.trips.schedule import job_id, next_fire, period_for
from tests.services import PostgresServer
from tests.trips_data import month_of_trips
from tests.waiting import LOADED, until

pytestmark = pytest.mark.integration
SCHEDULE = ScoringSchedule(day=1, hour_utc=0, explain=False)
"""Midnight on the 1st: a firing at any moment of a month is after it, so the next firing is
always in the following month (a schedule later in the month would give ``_fire``'s next firing
the id of the firing being run, and ``schedule_run`` would leave it out)."""
SCHEDULED = ("partner-b", "fleet-co")
DRIVERS = 300
CHUNK = 100
LEAD_S = 2.0
"""How far ahead the firing is scheduled once the workers are up."""
WORKER_START_S = 30.0
"""A ``saas worker`` registered and its scheduler holding the lock (a few seconds idle)."""
SCHEDULER_INTERVAL_S = 1.0
"""RQ's scheduler pass interval: a due job is moved to the queue at most this late."""
RUN_S = LEAD_S + 1 + SCHEDULER_INTERVAL_S + (DRIVERS // CHUNK + 1) * CHUNK_TIMEOUT_S
"""From scheduling the firing to the run's close: the firing's lead, a scheduler pass, and the
planning job plus every chunk each as long as its timeout allows, one after the other."""


def scheduled_tenants(target: Path) -> Path:
    """The shipped tenants and rate tables, with ``scoring_schedule`` added to the scheduled ones."""
    shutil.copytree(ROOT / "tenants", target)
    for tenant in SCHEDULED:
        path = target / f"{tenant}.yaml"
        path.write_text(path.read_text() + f"scoring_schedule:\n  day: {SCHEDULE.day}\n"
                                           f"  hour_utc: {SCHEDULE.hour_utc}\n  explain: false\n")
    return target


def the_firing() -> dt.datetime:
    """A couple of seconds from now, whole seconds (RQ's scheduled registry keeps integer timestamps)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LEAD_S + 1)).replace(microsecond=0)


PERIOD = period_for(the_firing())
"""The month a firing now scores: the one just ended (loaded below)."""


@pytest.fixture(scope="module")
def env(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    url = postgres_server.create_database(f"scheduled_{uuid.uuid4().hex[:8]}")
    tenants = scheduled_tenants(tmp_path_factory.mktemp("scheduled") / "tenants")
    return {**os.environ, "SAAS_DATABASE_URL": url, "SAAS_TENANTS_DIR": str(tenants),
            "SAAS_CHUNK_DRIVERS": str(CHUNK), "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
async def runtime(env: dict[str, str]) -> AsyncIterator[Runtime]:
    """The month of ``PERIOD`` for every scheduled tenant: ``DRIVERS`` drivers, each with trips."""
    rt = Runtime.load(load_settings({k: v for k, v in env.items() if k != "SAAS_REDIS_URL"}))
    await upgrade_schema(rt.db)
    assert rt.trips is not None
    drivers = [f"d{i:04d}" for i in range(DRIVERS)]
    for tenant in SCHEDULED:
        assert rt.catalog.tenant(tenant).config.scoring_schedule == SCHEDULE
        async with rt.db.session_scope() as session:
            for driver in drivers:
                await put_driver(session, rt.catalog.tenant(tenant), driver, DriverRequest(state="TX"))
        report = await rt.trips.ingest(tenant, msgspec.json.encode({"trips": month_of_trips(drivers, PERIOD, 2)}))
        assert (report.accepted, report.rejected) == (2 * DRIVERS, 0)
    yield rt
    await rt.close()


_databases = iter(range(1, 16))


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """A Redis database of this test's own (the session's server has 16)."""
    url = f"{redis_url.rsplit('/', 1)[0]}/{next(_databases)}"
    connection = Redis.from_url(url)
    connection.flushdb()
    yield connection
    connection.close()


class Workers:
    """Real ``saas worker`` subprocesses on one Redis database; each logs to a file for diagnosis."""

    def __init__(self, env: dict[str, str], redis: Redis, logs: Path) -> None:
        kwargs = redis.connection_pool.connection_kwargs
        self.env = {**env, "SAAS_REDIS_URL": f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}"}
        self.redis, self.logs = redis, logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> list[subprocess.Popen[bytes]]:
        for _ in range(count):
            name = f"sched-{uuid.uuid4().hex[:6]}"
            with (self.logs / f"{name}.log").open("wb") as log:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "saas.cli", "worker", "--name", name], cwd=ROOT, env=self.env,
                    stdout=log, stderr=subprocess.STDOUT))
        return self.processes

    async def ready(self, timeout_s: float = WORKER_START_S * LOADED) -> None:
        """Every worker registered in Redis (so its ``ensure_scheduled`` ran) and one of them runs the
        scoring queue's scheduler (holds its lock)."""
        deadline = time.monotonic() + timeout_s
        pids = {p.pid for p in self.processes}
        while time.monotonic() < deadline:
            for process in self.processes:
                assert process.poll() is None, f"a worker exited ({process.returncode}):\n{self.log_tail()}"
            registered = {w.pid for w in Worker.all(connection=self.redis)}
            if pids <= registered and self.redis.get(f"rq:scheduler-lock:{SCORING_QUEUE}"):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"workers not ready after {timeout_s} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs.glob("*.log"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def workers(env: dict[str, str], redis: Redis, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(env, redis, tmp_path)
    try:
        yield started
    finally:
        started.stop()


def scheduled(redis: Redis) -> ScheduledJobRegistry:
    return ScheduledJobRegistry(queue=Queue(SCORING_QUEUE, connection=redis, serializer=JSONSerializer))


async def nowhere_to_run_from(redis: Redis, ident: str) -> bool:
    """Whether no scheduler or worker can still run the job: a second firing would have to be in one
    of these (a second scheduler's move, or an execution under way) or have stored a second result."""
    queue = Queue(SCORING_QUEUE, connection=redis, serializer=JSONSerializer)
    return not any(ident in ids for ids in (scheduled(redis).get_job_ids(), queue.get_job_ids(),
                                            StartedJobRegistry(queue=queue).get_job_ids()))


async def runs_of(runtime: Runtime, tenant: str) -> list[ScoringRunRow]:
    async with runtime.db.sessions() as session:
        stmt = select(ScoringRunRow).where(ScoringRunRow.tenant_id == tenant, ScoringRunRow.period == PERIOD)
        return list((await session.execute(stmt)).scalars())


async def finished_run(runtime: Runtime, tenant: str, workers: Workers, timeout_s: float) -> ScoringRunRow:
    deadline = time.monotonic() + timeout_s
    runs: list[ScoringRunRow] = []
    while time.monotonic() < deadline:
        runs = await runs_of(runtime, tenant)
        if any(run.finished_at is not None for run in runs):
            return next(run for run in runs if run.finished_at is not None)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no finished run of {tenant} for {PERIOD} after {timeout_s} s: "
                         f"{[(r.id, r.status) for r in runs]}\n{workers.log_tail()}")


async def fire_soon(runtime: Runtime, workers: Workers, tenant: str) -> tuple[dt.datetime, str]:
    """Replace the firing the workers scheduled at start (the next month's, checked here) with one
    a couple of seconds away; returns the firing and its job id."""
    startup = next_fire(SCHEDULE, dt.datetime.now(dt.UTC))
    assert job_id(tenant, startup) in scheduled(workers.redis).get_job_ids()  # ensure_scheduled at start
    Job.fetch(job_id(tenant, startup), connection=workers.redis, serializer=JSONSerializer).delete()
    fire = the_firing()
    assert period_for(fire) == PERIOD, "the month turned while the test ran"
    ident = job_id(tenant, fire)
    dispatcher = RQDispatcher(workers.env["SAAS_REDIS_URL"])
    dispatcher.schedule_run(tenant, fire, ident)
    dispatcher.redis.close()
    others = {job_id(t, startup) for t in SCHEDULED if t != tenant}
    assert set(scheduled(workers.redis).get_job_ids()) == others | {ident}
    return fire, ident


async def test_a_scheduled_firing_runs_the_month_on_a_worker_and_schedules_the_next(
        runtime: Runtime, workers: Workers) -> None:
    tenant = "partner-b"
    workers.start(1)
    await workers.ready()
    fire, ident = await fire_soon(runtime, workers, tenant)

    run = await finished_run(runtime, tenant, workers, RUN_S * LOADED)
    assert run.created_at >= utc_timestamp(fire)  # nothing before the firing
    assert (run.period, run.status, run.requested_by, run.explain) == (PERIOD, "completed", "schedule", False)
    assert (run.chunks, run.expected, run.written, run.not_scored) == (DRIVERS // CHUNK, DRIVERS, DRIVERS, 0)
    assert run.model_version == runtime.model.version
    assert run.tenant_config == runtime.catalog.tenant(tenant).content_hash
    reconciliation = msgspec.json.decode(run.reconciliation or "null")
    assert (reconciliation["missing"], reconciliation["duplicates"]) == (0, 0)

    entry = await runtime.decisions.get(tenant, f"run-{run.id}")
    assert entry.kind == "scoring_run"
    assert (entry.payload["run_id"], entry.payload["period"], entry.payload["status"]) == (run.id, PERIOD, "completed")
    assert (entry.payload["requested_by"], entry.payload["checksum"]) == ("schedule", run.checksum)

    redis = workers.redis
    job = Job.fetch(ident, connection=redis, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED
    assert [result.return_value for result in job.results()] == [f"run {run.id} for {PERIOD}"]
    assert job.enqueued_at is not None and job.enqueued_at >= fire  # moved when due
    following = next_fire(SCHEDULE, fire)
    assert following.day == 1 and following > fire and period_for(following) == f"{fire:%Y-%m}"
    registry = scheduled(redis)
    assert ident not in registry.get_job_ids()
    assert job_id(tenant, following) in registry.get_job_ids()  # the next month's firing, by _fire
    nxt = Job.fetch(job_id(tenant, following), connection=redis, serializer=JSONSerializer)
    assert list(nxt.args) == [tenant, following.isoformat()]
    assert registry.get_scheduled_time(nxt) == following
    assert nxt.created_at >= fire  # made by the firing, not by the worker's start
    assert [r.id for r in await runs_of(runtime, tenant)] == [run.id]


async def test_two_workers_fire_a_scheduled_run_once(runtime: Runtime, workers: Workers) -> None:
    tenant = "fleet-co"
    workers.start(2)
    await workers.ready()
    fire, ident = await fire_soon(runtime, workers, tenant)

    run = await finished_run(runtime, tenant, workers, RUN_S * LOADED)
    assert (run.status, run.requested_by, run.expected, run.written) == ("completed", "schedule", DRIVERS, DRIVERS)
    await until(lambda: nowhere_to_run_from(workers.redis, ident), bool, within_s=RUN_S * LOADED,
                what=f"job {ident} out of the scheduled registry, the queue and the started registry")
    runs = await runs_of(runtime, tenant)
    assert [(r.id, r.status) for r in runs] == [(run.id, "completed")]
    job = Job.fetch(ident, connection=workers.redis, serializer=JSONSerializer)
    assert (job.get_status(), job.return_value()) == (JobStatus.FINISHED, f"run {run.id} for {PERIOD}")
    # moved to the queue and run once: a second execution, even one refused as a conflict while the run
    # was active (so no second run row), would have stored a second result
    assert [result.return_value for result in job.results()] == [f"run {run.id} for {PERIOD}"]
    assert ident not in scheduled(workers.redis).get_job_ids()
    assert job_id(tenant, next_fire(SCHEDULE, fire)) in scheduled(workers.redis).get_job_ids()
    assert all(p.poll() is None for p in workers.processes), workers.log_tail()
