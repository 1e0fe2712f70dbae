"""A monthly scoring run on two ``saas worker`` processes against a floor of its raw parts.

    .venv/bin/python bench/bench_scoring.py              # 1,000,000 drivers, then 100,000 explained
    .venv/bin/python bench/bench_scoring.py --drivers 200000 --explained 20000

Starts its own PostgreSQL and Redis, loads a month of trips (about 5 per driver, ``bench.trip_data``),
then runs ``POST /v1/scoring-runs``'s service with two workers and prints the wall time, drivers per
second, the time split summed over chunks (SQL features, features, predict, map, explain, rows,
write) and the queue/job overhead (wall − plan − close − chunk work / workers). The floor, measured in
the same process after the run: the feature query for all drivers on its own, raw ``inplace_predict``
(and raw ``pred_contribs`` when explaining) on the same rows, and a raw binary COPY of as many result
rows. Targets (issue 9): 1,000,000 drivers ≤ 60 s; run ≤ 1.5× floor; queue overhead ≤ 1 % of wall.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import numpy as np
import xgboost as xgb
from redis import Redis
from rq import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from bench.trip_data import binary_copy, load, month
from saas.db import upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.trips.chunk import to_columns
from saas.trips.repository import Drivers
from saas.trips.service import TripService
from tests.services import PostgresServer, RedisServer

PERIOD = "2026-10"
WORKERS = 2
RESULT_COPY = """CREATE TEMPORARY TABLE score_floor (tenant_id text, driver_id text, period text, trips int4,
  miles float8, risk_score float8, safety_score float8, safety_score_month float8, multiplier float8, tier text,
  tier_label text, percentile float8, safest_top_pct int4, features text, coaching text)"""


async def run_once(service: TripService, tenant: str, explain: bool) -> tuple[float, float, object]:
    started = time.perf_counter()
    view = await service.start_run(tenant, PERIOD, explain=explain, requested_by="bench")
    planned = time.perf_counter() - started
    while view.status in ("queued", "running"):
        await asyncio.sleep(0.1)
        view = await service.run(tenant, view.id)
    return time.perf_counter() - started, planned, view


async def floor(runtime: Runtime, dsn: str, tenant: str, drivers: int, explain: bool) -> dict[str, float]:
    parts: dict[str, float] = {}
    async with runtime.db.sessions() as session:
        started = time.perf_counter()
        rows = await Drivers(session, tenant).monthly_features(PERIOD, "d", "e")
        parts["feature query"] = time.perf_counter() - started
    cols = to_columns(rows)
    X = runtime.model.transform(np.column_stack([cols.get(n, np.full(len(rows), np.nan))
                                                 for n in runtime.model.feature_names]))
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
    payload = binary_copy([("tenant_id", np.full(n, tenant.encode())), ("driver_id", text), ("period", text[:, ]),
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
    finally:
        await conn.close()
    return parts


def report(label: str, drivers: int, wall: float, planned: float, view: object, parts: dict[str, float]) -> None:
    timings: dict[str, float] = getattr(view, "timings", None) or {}
    close = timings.pop("close", 0.0)
    work = sum(timings.values())
    queue = wall - planned - close - work / WORKERS
    floor_s = sum(parts.values())
    print(f"\n== {label}: {drivers:,} drivers, {getattr(view, 'chunks', 0)} chunks, status {view.status}")
    print(f"wall {wall:.1f} s  ({drivers / wall:,.0f} drivers/s); written {view.written}, "
          f"checksum {str(view.checksum)[:16]}…")
    print(f"plan (driver ranges + credibility) {planned:.1f} s; close (reconcile + checksum + audit) {close:.1f} s")
    print("chunk work, summed over chunks: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"queue/job overhead {queue:.1f} s = {100 * queue / wall:.1f} % of wall (target ≤ 1 %)")
    print("floor: " + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()) + f" = {floor_s:.1f} s")
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
            wall, planned, view = await run_once(runtime.trips, tenant, explain)
            parts = await floor(runtime, dsn, tenant, drivers, explain)
            report("explanations for every driver" if explain else "no explanations", drivers, wall, planned, view,
                   parts)
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
