"""A configuration that changes what scores a driver is tested on scores made that way: a new model
pin re-scores the last run's drivers with that model (so the impact, and the fairness gate, see the
model change), and dropping a state's feature group re-scores that state's drivers without it.
On PostgreSQL, with a month scored in-process; a database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from ml import artifacts
from saas.settings import ROOT
from saas.trips.api_schemas import DriverRequest
from tests.integration.api.conftest import Api, serving_api
from tests.integration.api.test_fairness import score_month
from tests.integration.api.test_model_lifecycle import shifted_model
from tests.services import PostgresServer
from tests.trips_data import PERIOD, month_of_trips

pytestmark = pytest.mark.integration
TENANT = "partner-a"
SHIPPED = (ROOT / "tenants" / f"{TENANT}.yaml").read_text()
DRIVERS = [f"r{i:03d}" for i in range(60)]


@pytest.fixture(scope="module")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    async with serving_api(postgres_server, "saas_rescore") as ready:
        assert ready.runtime.trips is not None
        for i, driver in enumerate(DRIVERS):
            await ready.runtime.trips.put_driver(TENANT, driver, DriverRequest(state="NY" if i % 2 else "TX"))
        report = await ready.runtime.trips.ingest(TENANT, msgspec.json.encode({"trips": month_of_trips(DRIVERS)}))
        assert report.rejected == 0
        await score_month(ready, TENANT, PERIOD)
        yield ready


async def impact_of(api: Api, text: str) -> dict[str, Any]:
    admin = api.auth(TENANT, "admin")
    drafted = await api.client.post("/v1/config-versions", headers=admin, json={"yaml": text, "message": "x"})
    assert drafted.status_code in (200, 201), drafted.text
    run = await api.client.post(f"/v1/config-versions/{drafted.json()['id']}/test", headers=admin, json={})
    assert run.status_code == 200, run.text
    return dict(run.json()["result"])


async def test_a_new_model_pin_re_scores_the_book(api: Api, tmp_path: Path) -> None:
    candidate = shifted_model(tmp_path / "candidate", 0.08)
    registry = api.runtime.models.registry
    assert registry is not None
    version = await registry.register(candidate)
    assert version == artifacts.model_version(candidate)
    same = await impact_of(api, SHIPPED.replace("max_surcharge: 0.40", "max_surcharge: 0.41"))
    assert not any("re-scored" in note for note in same.get("notes", []))
    pinned = await impact_of(api, SHIPPED + f"model: {version}\n")
    assert any(f"re-scored with model {version}" in note for note in pinned.get("notes", [])), pinned
    book = pinned["drivers"]
    assert book["drivers"] == len(DRIVERS) and book["changed"] > len(DRIVERS) // 2
    assert book["mean_pct"] != "0.0"  # a higher base score raises multipliers across the book


async def test_dropping_a_feature_group_re_scores_only_that_states_drivers(api: Api) -> None:
    dropped = SHIPPED.replace("state_overrides:\n", "state_overrides:\n  NY:\n    features_enabled: [behavioral]\n")
    result = await impact_of(api, dropped)
    assert any("re-scored" in note for note in result.get("notes", [])), result
    movers = result["drivers"]["movers"]
    assert movers and all(int(m["driver_id"][1:]) % 2 == 1 for m in movers)  # NY drivers only
    assert np.isfinite(float(result["drivers"]["mean_pct"]))
