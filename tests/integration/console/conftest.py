"""A real console for a real browser: ``saas serve`` in its own process on a fresh PostgreSQL database
(connected as the application role, so row security applies), a month of demo trips already scored,
and Debian's Chromium driven by Playwright (launched from /usr/bin/chromium, never downloaded).

Screenshots go to ``var/test-output/console`` (or ``$SAAS_TEST_OUTPUT/console``; printed at the end
of the session) so a person can look at every main page at 1280 and 390 pixels wide. Not pytest's
basetemp: it keeps only the last three sessions' folders, and engineers share the machine.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec
import pytest

from saas.db import Database, upgrade_schema
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.tenancy.keys import create_key, revoke_key
from saas.trips.api_schemas import previous_period
from saas.trips.demo_data import demo_drivers, demo_month, demo_trips
from tests.services import PostgresServer, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ROLES = ("admin", "approver", "compliance", "rating")
T = TypeVar("T")
CHUNK_DRIVERS = 60
"""Small chunks, so a run started from the console shows progress over several chunks."""


def this_month() -> str:
    return time.strftime("%Y-%m", time.gmtime())


@dataclass
class Console:
    url: str
    keys: dict[tuple[str, str], str]
    database_url: str
    screens: Path
    periods: tuple[str, str]
    """(the month scored before the tests, the month a test scores from the console)."""
    extra_keys: list[str] = field(default_factory=list)

    def key(self, role: str, tenant: str = "partner-a") -> str:
        return self.keys[(tenant, role)]

    def new_key(self, role: str, name: str) -> tuple[str, str]:
        """A key made for one test (its id, its plaintext)."""
        async def make() -> tuple[str, str]:
            db = Database(self.database_url)
            try:
                async with db.session_scope() as session:
                    info, plaintext = await create_key(session, "partner-a", role, name)
                return info.id, plaintext
            finally:
                await db.dispose()
        return off_loop(make())

    def revoke(self, key_id: str) -> None:
        async def run() -> None:
            db = Database(self.database_url)
            try:
                async with db.session_scope() as session:
                    await revoke_key(session, key_id)
            finally:
                await db.dispose()
        off_loop(run())


def off_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run database work on a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _prepare(database_url: str, settings_env: dict[str, str], earlier: str,
                   later: str) -> dict[tuple[str, str], str]:
    """Keys for two tenants, and partner-a's demo drivers with the earlier month scored and the later
    month's trips loaded (a test scores it from the console)."""
    settings = msgspec.structs.replace(load_settings(settings_env), database_url=database_url,
                                       chunk_drivers=CHUNK_DRIVERS)
    runtime = Runtime.load(settings)
    keys = {}
    try:
        async with runtime.db.session_scope() as session:
            for tenant in ("partner-a", "partner-b"):
                for role in ROLES:
                    _, keys[(tenant, role)] = await create_key(session, tenant, role, f"{tenant} {role}")
        await runtime.start(watch=False, warm_up=False)
        assert runtime.trips is not None
        run = await demo_month(runtime.trips, "partner-a", ["CA", "NY", "TX"], earlier)
        assert run.status == "completed", run
        drivers = [d for d, _, _ in demo_drivers(300, ["CA", "NY", "TX"])]
        report = await runtime.trips.ingest("partner-a", msgspec.json.encode({"trips": demo_trips(drivers, later, 6)}))
        assert report.rejected == 0, report
    finally:
        await runtime.close()
    return keys


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"saas serve exited {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"saas serve did not answer /readyz within 120 s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def console(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    owner = postgres_server.create_database("saas_console")
    off_loop(_migrate(owner))
    app_url = postgres_server.app_role("saas_console")
    later = previous_period(this_month())
    earlier = previous_period(later)
    env = {**os.environ, "SAAS_DATABASE_URL": app_url, "SAAS_CHUNK_DRIVERS": str(CHUNK_DRIVERS)}
    env.pop("SAAS_REDIS_URL", None)
    keys = off_loop(_prepare(app_url, env, earlier, later))
    port = free_port()
    base = tmp_path_factory.mktemp("console")
    log = base / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "saas.cli", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    screens = Path(os.environ.get("SAAS_TEST_OUTPUT", ROOT / "var" / "test-output")) / "console"
    screens.mkdir(parents=True, exist_ok=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, process, log)
        yield Console(url, keys, app_url, screens, (earlier, later))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"\nconsole screenshots: {screens}")


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_schema(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Per module, not per session: Playwright's sync API runs an event loop in this thread while it is
    open, and tests that call ``asyncio.run`` must not run inside it."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: bash .ci/services installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

