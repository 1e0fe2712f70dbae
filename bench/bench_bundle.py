"""The compliance bundle of a month with 100,000 scored drivers: time and peak memory.

    .venv/bin/python bench/bench_bundle.py                  # 100,000 drivers, 10,000 quotes
    .venv/bin/python bench/bench_bundle.py --drivers 20000 --quotes 2000

Starts its own PostgreSQL, loads a month of trips (``bench.trip_data``), scores it in process, and
prices ``--quotes`` quotes in the same month through the bulk path (so the month has quote
decisions and adverse-action notices in its chain). Then, in this order:
- the floor: the same rows the bundle carries, read with the code the API already has (the audit
  export of the month and the scores' JSONL lines) and written to a file, no zip, no hashing;
- the bundle, in process (``ComplianceService.bundle`` into a file);
- the bundle made by ``saas compliance bundle --profile`` in a child process, which prints its own
  peak resident memory per section (``VmHWM``: the whole process, model and runtime included;
  ``ru_maxrss`` would report this big parent's size, which a forked child inherits);
- ``saas compliance verify`` on it (offline).
Targets (issue 19): ≤ 30 s for 100,000 scored drivers; memory < 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from bench.trip_data import load, month
from saas.audit.service import export
from saas.db import upgrade_schema
from saas.quote.examples import EXAMPLE_QUOTE
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.trips.results import line_of
from saas.trips.scores import Scores
from tests.services import PostgresServer

TENANT = "partner-b"
"""A tenant without a webhook endpoint: no deliveries retried in this process while it measures."""
BULK = 2_000


async def price_quotes(runtime: Runtime, count: int) -> None:
    """Quotes of varied driving, half of them surcharged, through the bulk path (one chain append each)."""
    bodies = []
    for i in range(count):
        body = dict(EXAMPLE_QUOTE)
        t = dict(EXAMPLE_QUOTE["telematics"])
        t["hard_braking_events_per_100mi"] = (i % 20) * 0.5
        t["speeding_minutes_per_100mi"] = (i % 13) * 2.0
        body["telematics"] = t
        bodies.append(msgspec.json.encode(body))
    from saas.rating.routes import render_bulk

    for start in range(0, count, BULK):
        raw = b'{"quotes":[' + b",".join(bodies[start:start + BULK]) + b"]}"
        await render_bulk(runtime.quotes, runtime.limiter, TENANT, raw, limit=BULK, explain=False)


async def floor(runtime: Runtime, period: str, start: dt.datetime, end: dt.datetime, out: Path) -> float:
    began = time.perf_counter()
    with out.open("wb") as handle:
        async with runtime.db.sessions() as session:
            async for chunk in export(session, TENANT, start, end, "jsonl"):
                handle.write(chunk)
            stream = await session.stream_scalars(Scores(session, TENANT).ordered(period).execution_options(
                yield_per=2000))
            async for row in stream:
                handle.write(msgspec.json.encode(line_of(row)) + b"\n")
    return time.perf_counter() - began


async def bench(args: argparse.Namespace) -> None:
    pg = PostgresServer().start()
    try:
        url = pg.create_database("bench_bundle")
        env = {**os.environ, "SAAS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        env.pop("SAAS_REDIS_URL", None)
        runtime = Runtime.load(load_settings(env))
        await upgrade_schema(runtime.db)
        await runtime.start(watch=False)
        assert runtime.trips is not None and runtime.compliance is not None
        now = dt.datetime.now(dt.UTC)
        period = now.strftime("%Y-%m")
        began = time.perf_counter()
        people, trips = month(args.drivers, period)
        await load(url.replace("+asyncpg", ""), TENANT, period, people, trips)
        view = await runtime.trips.start_run(TENANT, period, explain=False, requested_by="bench")
        while (await runtime.trips.run(TENANT, view.id)).status not in ("completed", "completed_with_failures",
                                                                          "failed"):
            await asyncio.sleep(0.2)
        await price_quotes(runtime, args.quotes)
        print(f"set-up: {args.drivers:,} drivers scored, {args.quotes:,} quotes priced in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        start = dt.datetime(now.year, now.month, 1, tzinfo=dt.UTC)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        # notices queue webhook deliveries the in-process dispatcher keeps retrying (no endpoint here)
        logging.getLogger("saas.trips.dispatch").setLevel(logging.CRITICAL)
        with tempfile.TemporaryDirectory() as tmp:
            floor_s = await floor(runtime, period, start, end, Path(tmp) / "floor.jsonl")
            floor_mb = (Path(tmp) / "floor.jsonl").stat().st_size / 1e6
            began = time.perf_counter()
            with (Path(tmp) / "inproc.zip").open("wb") as out:
                made = await runtime.compliance.bundle(TENANT, period, out, made_by="bench")
            bundle_s = time.perf_counter() - began
            await runtime.close()
            cli, rss_mb = child(["compliance", "bundle", "--tenant", TENANT, "--period", period, "--out",
                                 str(Path(tmp) / "cli.zip"), "--profile"], env)
            verify_s, _ = child(["compliance", "verify", str(Path(tmp) / "cli.zip")], env)
            size = (Path(tmp) / "cli.zip").stat().st_size / 1e6
        counts = made["summary"]["counts"]
        print(f"month {period}: {counts['scored_drivers']:,} scored drivers, {counts['audit_entries']:,} chain "
              f"entries, {counts['notices']:,} notices")
        print(f"floor (audit export + score lines to a file, {floor_mb:.1f} MB): {floor_s:.2f} s")
        print(f"bundle in process: {bundle_s:.2f} s = {bundle_s / floor_s:.2f}× floor (target ≤ 30 s)")
        print(f"saas compliance bundle (whole CLI, model load included): {cli:.2f} s, peak RSS {rss_mb:.0f} MB "
              f"(target < 500 MB), zip {size:.1f} MB")
        print(f"saas compliance verify (offline): {verify_s:.2f} s")
    finally:
        pg.stop()


def child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS (MB) as it reports it (else its ``wait4`` usage)."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as output:
        process = subprocess.Popen([sys.executable, "-m", "saas.cli", *args], cwd=ROOT, env=env,
                                   stdout=output, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"saas {' '.join(args)} failed: {errors.read().decode()[-2000:]}")
        output.seek(0)
        text = output.read().decode().rstrip()
        print(text, flush=True)
    peaks = [float(m) for m in re.findall(r"peak RSS (\d+) MB", text)]
    return wall, max(peaks) if peaks else usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drivers", type=int, default=100_000)
    parser.add_argument("--quotes", type=int, default=10_000)
    args = parser.parse_args()
    print(describe())
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
