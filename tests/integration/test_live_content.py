"""A configuration deployed through one API process is in force in another and on a worker, without
a restart; a monthly run keeps the configuration it started with while a new one is deployed.

Two real ``saas serve`` processes and one real ``saas worker`` on one PostgreSQL (connected as the
application role, so row security applies) and one Redis. Waits are for conditions, bounded by
the settings at play (the one-second content poll, the chunk timeout) with room for a loaded machine.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import text

from saas.db import Database
from saas.quote.examples import EXAMPLE_QUOTE
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings
from saas.trips.api_schemas import DriverRequest
from saas.versioning.watch import POLL_SECONDS
from tests.integration.replicas import Replicas, prepare, serving
from tests.services import PostgresServer
from tests.trips_data import PERIOD, month_of_trips

pytestmark = pytest.mark.integration
TENANT = "partner-a"
DRIVERS = 240
CHUNK = 40
CHUNK_TIMEOUT_S = 30
LIVE_BOUND_S = 30 * POLL_SECONDS
"""How long another process may take to show a deploy: the poll is a second; a loaded machine is slow."""
RUN_BOUND_S = 6 * CHUNK_TIMEOUT_S
SHIPPED = (ROOT / "tenants" / f"{TENANT}.yaml").read_text()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


async def load_book(url: str) -> None:
    runtime = Runtime.load(msgspec.structs.replace(load_settings(), database_url=url, redis_url=None))
    try:
        assert runtime.trips is not None
        drivers = [f"d{i:04d}" for i in range(DRIVERS)]
        for driver in drivers:
            await runtime.trips.put_driver(TENANT, driver, DriverRequest(state="TX"))
        report = await runtime.trips.ingest(TENANT, msgspec.json.encode({"trips": month_of_trips(drivers)}))
        assert report.rejected == 0
    finally:
        await runtime.close()


@pytest.fixture(scope="module")
async def live(own_postgres: PostgresServer, redis_url: str) -> AsyncIterator[tuple[Replicas, dict[str, str]]]:
    owner = own_postgres.create_database("live")
    keys = await prepare(owner, redis_url, roles=("rating", "admin", "approver", "compliance"))
    await load_book(owner)
    app_url = own_postgres.app_role("live")
    extra = {"SAAS_CHUNK_DRIVERS": str(CHUNK), "SAAS_CHUNK_TIMEOUT_S": str(CHUNK_TIMEOUT_S)}
    with serving(app_url, redis_url, extra=extra) as urls:
        env = os.environ | {"SAAS_DATABASE_URL": app_url, "SAAS_REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)} | extra
        yield Replicas(own_postgres, app_url, urls, keys), env


@pytest.fixture
def worker(live: tuple[Replicas, dict[str, str]]) -> Iterator[Any]:
    """Started by the test when it wants chunks to run (``start()``), stopped afterwards."""
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        processes.append(subprocess.Popen([sys.executable, "-m", "saas.cli", "worker", "--name",
                                           f"live-{uuid.uuid4().hex[:6]}"], cwd=ROOT, env=live[1],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


async def deploy(client: httpx.AsyncClient, replicas: Replicas, url: str, text: str) -> str:
    admin, approver = replicas.auth(TENANT, "admin"), replicas.auth(TENANT, "approver")
    drafted = await client.post(f"{url}/v1/config-versions", headers=admin, json={"yaml": text, "message": "test"})
    assert drafted.status_code in (200, 201), drafted.text
    version = str(drafted.json()["id"])
    assert (await client.post(f"{url}/v1/config-versions/{version}/test", headers=admin, json={})).status_code == 200
    assert (await client.post(f"{url}/v1/config-versions/{version}/approve", headers=approver)).status_code == 200
    done = await client.post(f"{url}/v1/config-versions/{version}/deploy", headers=admin, json={})
    assert done.status_code == 200, done.text
    return version


async def until(what: str, bound_s: float, probe: Any) -> Any:
    deadline = time.monotonic() + bound_s
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {bound_s:.0f}s waiting for {what}")
        await asyncio.sleep(0.1)


async def run_to_end(client: httpx.AsyncClient, replicas: Replicas, url: str, run_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        view = (await client.get(f"{url}/v1/scoring-runs/{run_id}", headers=replicas.auth(TENANT, "admin"))).json()
        return view if view["status"] in ("completed", "completed_with_failures", "failed") else None

    return dict(await until(f"run {run_id} to close", RUN_BOUND_S, probe))


async def multipliers(replicas: Replicas) -> list[Decimal]:
    database = Database(replicas.database_url)
    try:
        async with database.sessions() as session:
            await session.execute(text(f"SELECT set_config('saas.tenant', '{TENANT}', true)"))
            rows = await session.execute(text("SELECT multiplier FROM driver_scores WHERE period = :p"), {"p": PERIOD})
            return [Decimal(str(r[0])) for r in rows]
    finally:
        await database.dispose()


async def test_a_deploy_through_one_replica_prices_on_the_other(live: tuple[Replicas, dict[str, str]]) -> None:
    replicas, _ = live
    first, other = replicas.urls
    async with httpx.AsyncClient(timeout=30) as client:
        version = await deploy(client, replicas, first, SHIPPED.replace("max_discount: 0.25", "max_discount: 0.20"))
        deployed_at = time.monotonic()

        async def priced_with_it() -> float | None:
            response = await client.post(f"{other}/v1/quotes?explain=false", json=EXAMPLE_QUOTE,
                                         headers=replicas.auth(TENANT))
            assert response.status_code == 201, response.text
            return time.monotonic() - deployed_at if response.json()["versions"]["tenant_config"] == version else None

        elapsed = await until("the other replica to price with the deployed configuration", LIVE_BOUND_S,
                              priced_with_it)
        print(f"the other replica priced with the new configuration {elapsed:.2f}s after the deploy")
        health = (await client.get(f"{other}/healthz")).json()
        assert health["tenants"][TENANT] == version


async def test_a_run_keeps_its_configuration_while_a_new_one_is_deployed(
        live: tuple[Replicas, dict[str, str]], worker: Any) -> None:
    replicas, _ = live
    first, other = replicas.urls
    admin = replicas.auth(TENANT, "admin")
    async with httpx.AsyncClient(timeout=30) as client:
        pinned = (await client.get(f"{other}/healthz")).json()["tenants"][TENANT]
        body = {"period": PERIOD, "explain": False}
        started = await client.post(f"{other}/v1/scoring-runs", headers=admin, json=body)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]  # queued: no worker is running yet
        no_surcharge = await deploy(client, replicas, first, SHIPPED.replace("max_surcharge: 0.40", "max_surcharge: 0"))
        worker()
        run = await run_to_end(client, replicas, other, run_id)
        assert (run["status"], run["tenant_config"], run["written"]) == ("completed", pinned, DRIVERS)
        surcharged = sum(1 for m in await multipliers(replicas) if m > 1)
        assert surcharged > 0, "the run mapped with the caps it started with"

        again = await client.post(f"{first}/v1/scoring-runs", headers=admin, json=body)
        assert again.status_code == 202, again.text
        rerun = await run_to_end(client, replicas, first, again.json()["id"])
        assert (rerun["status"], rerun["tenant_config"]) == ("completed", no_surcharge)
        assert max(await multipliers(replicas)) <= 1, "a run started after the deploy maps with the new caps"

        drafted = await client.post(f"{first}/v1/config-versions", headers=admin,
                                    json={"yaml": SHIPPED, "message": "surcharges back"})
        tested = await client.post(f"{first}/v1/config-versions/{drafted.json()['id']}/test", headers=admin, json={})
        book = tested.json()["result"]["drivers"]
        assert (book["run_id"], book["drivers"], book["changed"]) == (rerun["id"], DRIVERS, surcharged)
        assert sum(band["count"] for band in book["bands"]) == DRIVERS
        assert all(set(row) == {tier} for tier, row in book["tier_migration"].items())  # caps move no tier
        assert book.get("largest_decrease") is None and Decimal(book["largest_increase"]["new_multiplier"]) > 1
