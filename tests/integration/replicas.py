"""Two real ``saas serve`` processes on loopback sharing one PostgreSQL and one Redis.

What only shows across processes is tested against these: revocation reaching the other replica,
one rate limit per tenant across replicas, and a database restart under load. The PostgreSQL server
is the fixture's own, so stopping it disturbs no other test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec

from saas.db import Database, upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.tenancy.keys import create_key
from tests.services import PostgresServer, free_port
from tests.waiting import LOADED

READY_TIMEOUT_S = 30.0 * LOADED
"""A ``saas serve`` answering /readyz: migrations checked, model loaded and warmed."""


@dataclass
class Replicas:
    postgres: PostgresServer
    database_url: str
    urls: list[str]
    keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def auth(self, tenant: str, role: str = "rating") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


async def prepare(url: str, redis_url: str | None, roles: tuple[str, ...] = ("rating", "compliance", "approver")
                  ) -> dict[tuple[str, str], str]:
    """Migrate, import the shipped rate tables once (as ``saas db upgrade`` does) and create keys."""
    settings = msgspec.structs.replace(load_settings(), database_url=url, redis_url=redis_url)
    runtime = Runtime.load(settings)
    try:
        await upgrade_schema(runtime.db)
        await runtime.start(watch=False)
    finally:
        await runtime.close()
    keys = {}
    database = Database(url)
    try:
        async with database.session_scope() as session:
            for tenant in ("partner-a", "partner-b", "fleet-co"):
                for role in roles:
                    _, keys[(tenant, role)] = await create_key(session, tenant, role, f"replica {role}")
    finally:
        await database.dispose()
    return keys


@contextmanager
def serving(database_url: str, redis_url: str | None, count: int = 2, per_minute: int = 600,
            extra: dict[str, str] | None = None) -> Iterator[list[str]]:
    env = os.environ | {"SAAS_DATABASE_URL": database_url, "SAAS_REDIS_URL": redis_url or "",
                        "SAAS_RATE_LIMIT_PER_MINUTE": str(per_minute), "PYTHONPATH": str(ROOT)} | (extra or {})
    logs = Path(tempfile.mkdtemp(prefix="saas-replicas-"))
    ports = [free_port() for _ in range(count)]
    processes = [subprocess.Popen([sys.executable, "-m", "saas.cli", "serve", "--port", str(port)], env=env,
                                  cwd=ROOT, stdout=(logs / f"{port}.log").open("wb"), stderr=subprocess.STDOUT)
                 for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        wait_ready(urls, processes, logs)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(urls: list[str], processes: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = set(urls)
    while pending:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(p.read_text(errors="replace")[-1500:] for p in logs.glob("*.log"))
                raise RuntimeError(f"a replica exited with {process.returncode}:\n{tails}")
        for url in list(pending):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"replicas not ready after {READY_TIMEOUT_S}s: {sorted(pending)}")
        time.sleep(0.2)


