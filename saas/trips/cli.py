"""``saas worker``, ``saas score`` and ``saas trips import``: running and feeding monthly scoring.

``saas worker`` is the RQ worker for this app's queues (scoring chunks, webhook deliveries).
``saas score`` starts a run like ``POST /v1/scoring-runs``; in the embedded mode (no Redis) it
runs the chunks in this process and waits, otherwise it waits on the workers unless ``--no-wait``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from saas.errors import ValidationFailed

Assemble = Callable[[], Any]
"""Builds a started runtime as an async context manager (``saas.cli`` passes it in)."""
TERMINAL = ("completed", "completed_with_failures", "failed")


Load = Callable[[], Any]
"""Loads (not starts) a runtime: what a worker process needs before its first job."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble, load: Load) -> None:
    worker = sub.add_parser("worker", help="run an RQ worker for scoring chunks and webhook deliveries")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.add_argument("--name", help="worker name (unique per Redis)")
    worker.set_defaults(run=lambda args: _worker(args, load))
    score = sub.add_parser("score", help="score a month for every driver of a tenant")
    score.add_argument("--tenant", required=True)
    score.add_argument("--period", required=True, help="YYYY-MM")
    score.add_argument("--no-explain", action="store_true", help="skip explanations and coaching (faster)")
    score.add_argument("--no-wait", action="store_true", help="print the run id and return")
    score.set_defaults(run=lambda args: _score(args, assemble))
    trips = sub.add_parser("trips", help="trip data").add_subparsers(dest="trips_command", required=True)
    bulk = trips.add_parser("import", help="bulk-load trip summaries from a CSV file (COPY on PostgreSQL)")
    bulk.add_argument("file", type=Path)
    bulk.add_argument("--tenant", required=True)
    bulk.set_defaults(run=lambda args: _import(args, assemble))


def _worker(args: argparse.Namespace, load: Load) -> int:
    from saas.settings import load_settings
    from saas.trips.schedule import ensure_scheduled
    from saas.trips.worker import work

    settings = load_settings()
    if settings.redis_url is None:
        print("error: saas worker needs SAAS_REDIS_URL (without it, jobs run inside the API process)",
              file=sys.stderr)
        return 1
    runtime = load()  # loads the model and installs the job context before the first job
    asyncio.run(_prepare_models(runtime))
    gc.collect()
    gc.freeze()  # what is loaded now lives as long as the worker: full collections need not walk it again
    for ident in ensure_scheduled(runtime.catalog, runtime.trips.dispatcher):
        print(f"scheduled: {ident}", file=sys.stderr)
    work(settings.redis_url, burst=args.burst, name=args.name)
    return 0


async def _prepare_models(runtime: Any) -> None:
    """Load the tenants' pinned models from the registry and build every scoring view once, before
    the first job (a run's chunks score with the version the run pinned, and none pays a build)."""
    try:
        await runtime.content.live.reload()  # the configurations and rulesets deployed, not the files
        await runtime.models.prepare(runtime.catalog.tenants.values(), warm_up=True)
    finally:
        await runtime.db.dispose()  # the jobs open their own engine on their own event loop


def _score(args: argparse.Namespace, assemble: Assemble) -> int:
    async def go() -> Any:
        async with assemble() as runtime:
            view = await runtime.trips.start_run(args.tenant, args.period, explain=not args.no_explain,
                                                 requested_by="cli")
            print(f"run {view.id}: {view.expected} drivers in {view.chunks} chunks", flush=True)
            while not args.no_wait and view.status not in TERMINAL:
                await asyncio.sleep(0.5)
                view = await runtime.trips.run(args.tenant, view.id)
                print(f"\r  {view.chunks_done}/{view.chunks} chunks", end="", file=sys.stderr, flush=True)
            return view

    try:
        started = time.perf_counter()
        view = asyncio.run(go())
    except ValidationFailed as exc:
        print(f"error: {exc.detail} (at {exc.path})", file=sys.stderr)
        return 1
    print(f"\n{msgspec.json.format(msgspec.json.encode(view), indent=2).decode()}")
    print(f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0 if view.status in ("completed", "queued", "running") else 1


def _import(args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.trips.csv_import import import_csv

    async def go() -> Any:
        async with assemble() as runtime:
            return await import_csv(runtime.db, args.tenant, args.file)

    report = asyncio.run(go())
    for error in report.errors[:50]:
        print(f"line {error.index + 2}: {error.detail} (at {error.path})", file=sys.stderr)
    print(f"{report.received} rows: {report.accepted} stored, {report.duplicates} already stored, "
          f"{report.rejected} rejected")
    return 1 if report.rejected else 0
