"""A monthly scoring run on two ``saas worker`` processes against a floor of its raw parts.

    .venv/bin/python bench/bench_scoring.py              # 1,000,000 drivers, then 100,000 explained
    .venv/bin/python bench/bench_scoring.py --drivers 200000 --explained 20000

Starts its own PostgreSQL and Redis, loads a month of trips (about 5 per driver, ``bench.trip_data``),
then runs ``POST /v1/scoring-runs``'s service with two workers and prints the wall time, drivers per
second, the time split summed over chunks (SQL features, features, predict, map, explain, rows,
write, close, bookkeeping) and, from RQ's own job stamps, the queue's overhead (per worker, the
time between one job's end and the next one's start) and the tail (a worker idle while the other
finishes). The floor, measured in the same process after the run: the feature query for all
drivers on its own, raw ``inplace_predict`` (and raw ``pred_contribs`` when explaining) on the same
rows, and a raw binary COPY of as many result rows into a table shaped like ``driver_scores``
(columns and primary key). Targets (issue 9): 1,000,000 drivers ≤ 60 s; run ≤ 1.5× floor; queue
overhead ≤ 1 % of wall.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import itertools
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import xgboost as xgb
from redis import Redis
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from bench.trip_data import binary_copy, load, month
from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.trips.chunk import NUMERIC
from saas.trips.dispatch import job_id
from saas.trips.repository import Drivers, Runs
from tests.services import PostgresServer, RedisServer

PERIOD = "2026-10"
WORKERS = 2
RESULT_COPY = ("CREATE TABLE score_floor (LIKE driver_scores INCLUDING ALL); ALTER TABLE score_floor "
               "ALTER safety_score TYPE float8, ALTER safety_score_month TYPE float8, ALTER multiplier TYPE float8")
"""Where the floor's COPY writes: a table shaped like the one a run fills (columns, primary key)."""


async def run_once(runtime: Runtime, tenant: str, explain: bool) -> tuple[float, float, dt.datetime, Any]:
    """Start a run and wait for it, polling the run's row alone every 10 ms (not the whole view)."""
    assert runtime.trips is not None
    started = time.perf_counter()
    view = await runtime.trips.start_run(tenant, PERIOD, explain=explain, requested_by="bench")
    planned = time.perf_counter() - started
    planned_at = dt.datetime.now(dt.UTC)
    while True:
        async with runtime.db.sessions() as session:
            if (await Runs(session, tenant).get(view.id)).finished_at is not None:
                break
        await asyncio.sleep(0.01)
    wall = time.perf_counter() - started
    return wall, planned, planned_at, await runtime.trips.run(tenant, view.id)


@dataclass
class JobTimes:
    """From RQ's own stamps (``started_at``/``ended_at``/``worker_name`` of each chunk job), per worker:
    time inside jobs, time between them (the queue: dequeue, claim, hand-over; from the end of the
    plan to the first job too), and the tail (idle after its last job while the other finishes)."""

    in_jobs: float
    gaps: float
    tail: float


def job_times(redis_url: str, tenant: str, chunks: int, planned_at: dt.datetime) -> JobTimes:
    connection = Redis.from_url(redis_url)
    jobs = [j for j in Job.fetch_many([job_id(tenant, PERIOD, c) for c in range(chunks)], connection=connection,
                                      serializer=JSONSerializer) if j and j.started_at and j.ended_at]
    by_worker: dict[str, list[Job]] = {}
    for job in jobs:
        by_worker.setdefault(str(job.worker_name), []).append(job)
    end = max(j.ended_at for j in jobs)
    in_jobs = gaps = tail = 0.0
    for mine in by_worker.values():
        mine.sort(key=lambda j: j.started_at)
        in_jobs += sum((j.ended_at - j.started_at).total_seconds() for j in mine)
        gaps += max(0.0, (mine[0].started_at - planned_at).total_seconds())  # a job may start while the plan returns
        gaps += sum((b.started_at - a.ended_at).total_seconds() for a, b in itertools.pairwise(mine))
        tail += (end - mine[-1].ended_at).total_seconds()
    return JobTimes(in_jobs, gaps / WORKERS, tail / WORKERS)


async def floor(runtime: Runtime, dsn: str, tenant: str, drivers: int, explain: bool) -> dict[str, float]:
    parts: dict[str, float] = {}
    async with runtime.db.sessions() as session:
        started = time.perf_counter()
        columns = await Drivers(session, tenant).monthly_features(PERIOD, "d", "e")
        parts["feature query"] = time.perf_counter() - started
    n = len(columns["driver_id"])
    cols = {name: np.array(columns[name], dtype=np.float64) for name in NUMERIC}
    X = runtime.model.transform(np.column_stack([cols.get(name, np.full(n, np.nan))
                                                 for name in runtime.model.feature_names]))
    booster = runtime.model._batch_booster
    started = time.perf_counter()
    booster.inplace_predict(X)
    parts["inplace_predict"] = time.perf_counter() - started
    if explain:
        started = time.perf_counter()
        booster.predict(xgb.DMatrix(X, feature_names=list(runtime.model.feature_names)), pred_contribs=True)
        parts["pred_contribs"] = time.perf_counter() - started
    n = drivers
    text = np.full(n, b"x" * 12)
    driver_ids = np.array([f"f{i:011d}".encode() for i in range(n)])
    payload = binary_copy([("tenant_id", np.full(n, tenant.encode())), ("driver_id", driver_ids),
                           ("period", np.full(n, PERIOD.encode())),
                           ("trips", np.ones(n, np.int32)), ("miles", np.ones(n)), ("risk_score", np.ones(n)),
                           ("safety_score", np.ones(n)), ("safety_score_month", np.ones(n)),
                           ("multiplier", np.ones(n)), ("tier", text), ("tier_label", text),
                           ("percentile", np.ones(n)), ("safest_top_pct", np.ones(n, np.int32)),
                           ("features", np.full(n, b"x" * 160)), ("coaching", np.full(n, b"x" * (200 if explain
                                                                                                  else 2)))])
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(RESULT_COPY)
        started = time.perf_counter()
        await conn.copy_to_table("score_floor", source=io.BytesIO(payload), format="binary")
        parts["COPY results"] = time.perf_counter() - started
        await conn.execute("DROP TABLE score_floor")
    finally:
        await conn.close()
    return parts


def report(label: str, drivers: int, wall: float, planned: float, view: Any, parts: dict[str, float],
           jobs: JobTimes) -> None:
    """wall = plan + time in jobs / workers + queue + tail (+ the 10 ms the waiting poll may add)."""
    timings: dict[str, float] = dict(view.timings or {})
    close = timings.pop("close", 0.0)
    work = sum(timings.values())
    floor_s = sum(parts.values())
    print(f"\n== {label}: {drivers:,} drivers, {view.chunks} chunks, status {view.status}")
    print(f"wall {wall:.2f} s  ({drivers / wall:,.0f} drivers/s); written {view.written}, "
          f"checksum {str(view.checksum)[:16]}…")
    print(f"plan (driver ranges, credibility, enqueue) {planned:.2f} s; in jobs {jobs.in_jobs:.2f} s "
          f"(/ {WORKERS} workers = {jobs.in_jobs / WORKERS:.2f} s); queue {jobs.gaps:.3f} s; "
          f"tail (one worker idle) {jobs.tail:.3f} s")
    print("in jobs: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
          + f", close (reconcile, checksum, audit) {close:.2f} s; bookkeeping (claim, commit, close) "
          f"{jobs.in_jobs - work - close:.2f} s")
    print(f"queue overhead {jobs.gaps:.3f} s = {100 * jobs.gaps / wall:.2f} % of wall (target ≤ 1 %)")
    print("floor: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()) + f" = {floor_s:.2f} s")
    print(f"run / floor = {wall / floor_s:.2f}× (target ≤ 1.5×)")


async def bench(args: argparse.Namespace) -> None:
    pg, redis = PostgresServer().start(), RedisServer().start()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        url = pg.create_database("bench_scoring")
        env = {**os.environ, "SAAS_DATABASE_URL": url, "SAAS_REDIS_URL": redis.url, "SAAS_CHUNK_TIMEOUT_S": "300",
               "PYTHONPATH": str(ROOT)}
        runtime = Runtime.load(load_settings(env))
        await upgrade_schema(runtime.db)
        assert runtime.trips is not None
        dsn = url.replace("+asyncpg", "")
        for tenant, drivers in (("partner-a", args.drivers), ("partner-b", args.explained)):
            started = time.perf_counter()
            people, trips = month(drivers, PERIOD)
            await load(dsn, tenant, PERIOD, people, trips)
            print(f"{tenant}: {drivers:,} drivers, {len(trips['trip_id']):,} trips loaded with COPY in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        workers = [subprocess.Popen([sys.executable, "-m", "saas.cli", "worker", "--name", f"bench-{i}"], cwd=ROOT,
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for i in range(WORKERS)]
        while len(Worker.all(connection=Redis.from_url(redis.url))) < WORKERS:
            await asyncio.sleep(0.2)
        for tenant, drivers, explain in (("partner-a", args.drivers, False), ("partner-b", args.explained, True)):
            wall, planned, planned_at, view = await run_once(runtime, tenant, explain)
            jobs = job_times(redis.url, tenant, view.chunks, planned_at)
            parts = await floor(runtime, dsn, tenant, drivers, explain)
            report("explanations for every driver" if explain else "no explanations", drivers, wall, planned, view,
                   parts, jobs)
        await runtime.close()
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=60)
        redis.stop()
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drivers", type=int, default=1_000_000)
    parser.add_argument("--explained", type=int, default=100_000)
    args = parser.parse_args()
    print(describe())
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
