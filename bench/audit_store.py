"""Audit chain and API key figures: bulk append, verify, export, and authentication with the cache.

Run: .venv/bin/python bench/audit_store.py [--postgres]   (SQLite file by default; --postgres starts a
throw-away server with the test tooling). Prints absolute times and the ratios measured in this run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saas.audit.chain import GENESIS_HASH, seal
from saas.audit.export import verify_export
from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions, export, verify
from saas.db import Database, upgrade_schema
from saas.tenancy.auth_cache import AuthCache
from saas.tenancy.keys import authenticate, create_key

BULK = 10_000


def decision_payload(i: int) -> dict[str, object]:
    """Roughly the size of a quote decision with its factors explained (~1.5 KB)."""
    factors = [{"name": f"factor_{k}", "value": Decimal("1.0375"), "type": "multiplier", "source": "rate_table",
                "explanation": "Territory factor for ZIP 94103 from the deployed rate table"} for k in range(8)]
    return {"premium": Decimal(f"{900 + i % 500}.42"), "state": "CA", "factors": factors,
            "versions": {"rate_table": "a" * 64, "ruleset": "b" * 64, "model": "c" * 64}}


async def timed(label: str, coro: object) -> float:
    start = time.perf_counter()
    await coro  # type: ignore[misc]
    elapsed = time.perf_counter() - start
    print(f"{label:<56} {elapsed * 1000:9.1f} ms")
    return elapsed


def seal_only(entries: list[NewEntry]) -> float:
    """The CPU part of an append (canonical JSON + SHA-256 per entry), without the database."""
    start, prev = time.perf_counter(), GENESIS_HASH
    for seq, new in enumerate(entries, start=1):
        prev = seal("bench", seq, new, prev, now="2026-01-01T00:00:00.000000Z").hash
    return time.perf_counter() - start


async def bench_chain(db: Database) -> None:
    entries = [NewEntry("quote", decision_payload(i)) for i in range(BULK)]
    print(f"{f'seal {BULK} decisions (no database), best of 3':<56} "
          f"{min(seal_only(entries) for _ in range(3)) * 1000:9.1f} ms")
    rounds = []
    for tenant_id in ("bench-1", "bench-2", "bench"):
        start = time.perf_counter()
        async with db.session_scope() as session:
            await append_decisions(session, tenant_id, entries)
        rounds.append(time.perf_counter() - start)
    print(f"{f'append {BULK} decisions in one transaction, best of 3':<56} {min(rounds) * 1000:9.1f} ms")
    print(f"{'  per decision':<56} {min(rounds) / BULK * 1e6:9.1f} us")

    async def verify_all() -> None:
        async with db.sessions() as session:
            assert (await verify(session, "bench")).ok

    chunks: list[bytes] = []

    async def export_all() -> None:
        async with db.sessions() as session:
            chunks.extend([chunk async for chunk in export(session, "bench", fmt="jsonl")])

    await timed(f"verify {BULK} entries from the database", verify_all())
    await timed(f"export {BULK} entries as jsonl", export_all())
    lines = b"".join(chunks).decode().splitlines()
    start = time.perf_counter()
    assert verify_export(lines).checked == BULK
    print(f"{'offline verify of the export':<56} {(time.perf_counter() - start) * 1000:9.1f} ms")


async def bench_auth(db: Database, rounds: int = 2000) -> None:
    async with db.session_scope() as session:
        _, plaintext = await create_key(session, "bench", "rating", "bench")
    cold, warm = AuthCache(ttl=0), AuthCache()
    timings = {}
    for label, cache in (("uncached", cold), ("cached", warm)):
        async with db.sessions() as session:
            start = time.perf_counter()
            for _ in range(rounds):
                await authenticate(session, plaintext, cache=cache)
            timings[label] = (time.perf_counter() - start) / rounds
        print(f"{'authenticate, ' + label:<56} {timings[label] * 1e6:9.1f} us")
    print(f"{'  cached speed-up (same run)':<56} {timings['uncached'] / timings['cached']:9.1f} x")


async def main(use_postgres: bool) -> None:
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} (shared machine)")
    server = None
    scratch = tempfile.TemporaryDirectory(prefix="saas-bench-")
    if use_postgres:
        from tests.services import PostgresServer

        server = PostgresServer().start()
        url = server.create_database("bench")
    else:
        url = f"sqlite+aiosqlite:///{scratch.name}/bench.db"
    db = Database(url)
    print(f"database: {db.dialect}")
    try:
        await upgrade_schema(db)
        await bench_chain(db)
        await bench_auth(db)
    finally:
        await db.dispose()
        if server is not None:
            server.stop()
        scratch.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(main(parser.parse_args().postgres))
