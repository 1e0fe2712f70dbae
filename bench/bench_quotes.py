"""Quote benchmark: in-process latency, HTTP throughput against /healthz, bulk 10,000, memory.

Everything is measured in one run on this machine, with its baselines beside it:
- in-process single quote p50/p99 with and without explanations (pricing alone, and pricing plus
  the audit append on SQLite), next to the raw model's single-row score call;
- HTTP ``POST /v1/quotes`` with and without explanations, driven by wrk (not a Python client on the
  server's cores), on SQLite and PostgreSQL, next to a bare Litestar app on the same uvicorn stack
  (the floor); p50/p99 and the server process's CPU milliseconds per request (from /proc);
- bulk 10,000 quotes in one request, with and without explanations;
- peak traced memory per quote in an in-process bulk run.
Run: ``.venv/bin/python bench/bench_quotes.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.http_load import serve, wrk  # noqa: E402
from saas.db import upgrade_schema  # noqa: E402
from saas.rating.routes import render_bulk  # noqa: E402
from saas.rating.service import price_batch  # noqa: E402
from saas.runtime import Runtime  # noqa: E402
from saas.settings import load_settings  # noqa: E402
from saas.tenancy.keys import create_key  # noqa: E402
from tests.samples import random_quote  # noqa: E402
from tests.services import PostgresServer  # noqa: E402

TENANT = "partner-a"
STATES = ("CA", "NY", "TX")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1e3:7.3f} ms   p99 {pct(values, 0.99) * 1e3:7.3f} ms"


def quotes(n: int, seed: int = 7) -> list:  # type: ignore[type-arg]
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        q = random_quote(rng, STATES, telematics_share=1.0)
        if all(d.years_licensed <= d.age - 16 for d in q.drivers):
            out.append(q)
    return out


def bench_pricing(rt: Runtime, sample: list, n: int) -> dict[str, list[float]]:  # type: ignore[type-arg]
    tenant = rt.catalog.tenant(TENANT)
    raw = rt.model.prepare([{name: 1.0 for name in rt.model.feature_names}])
    timings: dict[str, list[float]] = {"raw model score (1 row)": [], "price, no explanation": [],
                                       "price + explanation": []}
    for q in sample[:n]:
        pinned = [rt.quotes.resolve(tenant, q)]
        t0 = time.perf_counter()
        rt.model.score(raw)
        t1 = time.perf_counter()
        price_batch(tenant, [q], pinned, rt.model, explain=False, code_version="bench")
        t2 = time.perf_counter()
        price_batch(tenant, [q], pinned, rt.model, explain=True, code_version="bench")
        t3 = time.perf_counter()
        timings["raw model score (1 row)"].append(t1 - t0)
        timings["price, no explanation"].append(t2 - t1)
        timings["price + explanation"].append(t3 - t2)
    return timings


async def bench_recorded(rt: Runtime, sample: list, n: int) -> dict[str, list[float]]:  # type: ignore[type-arg]
    timings: dict[str, list[float]] = {"price + audit append, no explanation": [],
                                       "price + audit append + explanation": []}
    for q in sample[:n]:
        t0 = time.perf_counter()
        await rt.quotes.quote_and_record(TENANT, [q], explain=False)
        t1 = time.perf_counter()
        await rt.quotes.quote_and_record(TENANT, [q], explain=True)
        t2 = time.perf_counter()
        timings["price + audit append, no explanation"].append(t1 - t0)
        timings["price + audit append + explanation"].append(t2 - t1)
    return timings


async def bench_bulk(rt: Runtime, sample: list, *, explain: bool, traced: bool) -> tuple[float, float]:  # type: ignore[type-arg]
    """The bulk endpoint's work in process (decode → price → record → encode): seconds, peak bytes/quote."""
    body = msgspec.json.encode({"quotes": sample})
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    response, succeeded, _ = await render_bulk(rt.quotes, rt.limiter, TENANT, body, limit=len(sample),
                                               explain=explain)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    assert succeeded == len(sample), succeeded
    del response
    return elapsed, peak / len(sample)


async def prepare_database(url: str) -> str:
    """Migrate, import the shipped rate versions, and create a rating key; returns the key."""
    settings = msgspec.structs.replace(load_settings(), database_url=url, bulk_max_quotes=10_000)
    rt = Runtime.load(settings)
    await upgrade_schema(rt.db)
    await rt.start(watch=False)
    async with rt.db.session_scope() as session:
        _, key = await create_key(session, TENANT, "rating", "bench")
    await rt.close()
    return key


def bench_http(db_label: str, db_url: str, key: str, sample: list, args: argparse.Namespace,  # type: ignore[type-arg]
               server_kind: str = "uvicorn") -> None:
    """wrk against one ``saas`` server process and, in the same run, the bare app on the same stack."""
    env = {"SAAS_DATABASE_URL": db_url, "SAAS_BULK_MAX_QUOTES": "10000"}
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = msgspec.json.encode(sample[0])
    bare, bare_base = serve("bench.bare_app:create_app", {}, "/ping", server_kind)
    try:
        wrk("warm-up", bare_base + "/ping", bare.pid, seconds=2, connections=args.concurrency)
        floor = wrk("bare Litestar app GET /ping", bare_base + "/ping", bare.pid, seconds=args.seconds,
                    connections=args.concurrency)
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    server, base = serve("saas.app:create_app", env, "/healthz", server_kind)
    try:
        wrk("warm-up", base + "/v1/quotes?explain=false", server.pid, body=body, headers=auth, seconds=2)
        results = [wrk(f"POST /v1/quotes?explain={explain}", f"{base}/v1/quotes?explain={explain}", server.pid,
                       body=body, headers=auth, seconds=args.seconds, connections=args.concurrency)
                   for explain in ("false", "true")]
        print(f"\nHTTP on {db_label}: wrk -t1 -c{args.concurrency} -d{args.seconds}s, one server process "
              f"({stack() if server_kind == 'uvicorn' else 'granian, uvloop'}); audited quotes: each 2xx is "
              f"committed in the tenant's chain")
        print(floor.line())
        for result in results:
            print(result.line(floor.rps))
        for explain in ("false", "true"):
            elapsed, result = bulk_request(f"{base}/v1/quotes/bulk?explain={explain}",
                                           msgspec.json.encode({"quotes": sample[:10_000]}), auth)
            target = "1" if explain == "false" else "1.5"
            print(f"  bulk {len(sample[:10_000])} quotes, explain={explain:5}  {elapsed:7.2f} s  "
                  f"({result['succeeded']} priced, {result['failed']} failed; target <= {target} s)")
    finally:
        server.terminate()
        server.wait(timeout=30)


def bulk_request(url: str, body: bytes, headers: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """One bulk request sent by curl (not a Python client on the server's cores): curl's own
    ``time_total`` and the decoded response."""
    with tempfile.TemporaryDirectory() as tmp:
        request, response = Path(tmp) / "body.json", Path(tmp) / "response.json"
        request.write_bytes(body)
        header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
        done = subprocess.run(["curl", "-sS", "-X", "POST", "--data-binary", f"@{request}", *header_args,
                               "-o", str(response), "-w", "%{time_total}", "--max-time", "600", url],
                              check=True, capture_output=True, text=True)
        return float(done.stdout), msgspec.json.decode(response.read_bytes())


def stack() -> str:
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn, {loop}, {http}"


async def main(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings = msgspec.structs.replace(load_settings(), database_url=db_url, bulk_max_quotes=10_000)
        rt = Runtime.load(settings)
        await upgrade_schema(rt.db)
        await rt.start()
        async with rt.db.session_scope() as session:
            _, key = await create_key(session, TENANT, "rating", "bench")
        sample = quotes(10_000)
        bench_pricing(rt, sample, 200)  # warm-up
        print(f"\nIn-process single quote ({args.single} quotes, tenant {TENANT}, all with telematics)")
        for label, values in {**bench_pricing(rt, sample, args.single),
                              **await bench_recorded(rt, sample, args.single // 2)}.items():
            print(f"  {label:40} {ms(values)}")
        print(f"\nIn-process bulk of {args.bulk} (decode, price, record, encode; as the endpoint does)")
        for explain in (False, True):
            elapsed, _ = await bench_bulk(rt, sample[: args.bulk], explain=explain, traced=False)
            print(f"  explain={explain!s:5}  {elapsed:6.2f} s   (target <= {8 if explain else 1} s for 10,000)")
        _, per_quote = await bench_bulk(rt, sample[: args.bulk], explain=False, traced=True)
        print(f"  peak traced memory {per_quote / 1024:.1f} KB per quote, request body included (target <= 10 KB)")
        await rt.close()
        bench_http("SQLite", db_url, key, sample, args)
        if args.granian:
            bench_http("SQLite", db_url, key, sample, args, "granian")
        if not args.no_postgres:
            postgres = PostgresServer().start()
            try:
                url = postgres.create_database("bench")
                bench_http("PostgreSQL", url, await prepare_database(url), sample, args)
            finally:
                postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration of each HTTP measurement")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--granian", action="store_true", help="also serve with granian (pip install granian)")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parsed = parser.parse_args()
    if parsed.quick:
        parsed.single, parsed.bulk, parsed.seconds = 200, 1000, 3
    asyncio.run(main(parsed))
