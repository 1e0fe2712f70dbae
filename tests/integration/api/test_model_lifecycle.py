"""Model lifecycle on PostgreSQL: the registry, replay across a model switch, shadow scoring and its report."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import msgspec
import numpy as np
import pytest

from ml import artifacts
from saas.audit.snapshots import put_snapshot
from saas.rating.routes import EXAMPLE_QUOTE
from saas.scoring.model import RiskModel
from saas.scoring.registry import KIND, ModelBundle, ModelRegistry, bundle_of
from saas.settings import ROOT
from saas.tenancy.service import LoadedTenant
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration
DEFAULT = ROOT / "ml" / "artifacts" / "default"
LEGACY = ROOT / "tests" / "fixtures" / "models" / "de5ffc1727d66f89"
"""The model shipped until 2026-12, whose version also hashed metrics.json."""


def shifted_model(directory: Path, shift: float) -> Path:
    """The shipped model with its base score moved: another version that scores every driver differently."""
    shutil.copytree(DEFAULT, directory)
    path = directory / artifacts.BOOSTER_FILE
    booster = json.loads(path.read_text())
    params = booster["learner"]["learner_model_param"]
    base = float(params["base_score"].strip("[]"))
    params["base_score"] = f"[{base + shift:.7E}]"
    path.write_text(json.dumps(booster))
    return directory


@pytest.fixture(scope="module")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shifted_model(tmp_path_factory.mktemp("models") / "candidate", 0.08)


@pytest.fixture
def shadowing(api: Api, candidate: Path) -> Iterator[str]:
    """fleet-co scores every quote with the candidate as its shadow, for this test only."""
    version = artifacts.model_version(candidate)
    tenants = api.runtime.catalog.tenants
    original = tenants["fleet-co"]
    tenants["fleet-co"] = LoadedTenant(msgspec.structs.replace(original.config, shadow_model=version),
                                       original.content_hash, original.source)
    yield version
    tenants["fleet-co"] = original


async def test_registry_stores_and_loads_a_version_byte_for_byte(api: Api, candidate: Path, tmp_path: Path) -> None:
    registry = api.runtime.models.registry
    assert registry is not None
    version = await registry.register(candidate)
    assert version == artifacts.model_version(candidate) != api.runtime.model.version
    assert await registry.register(candidate) == version  # idempotent
    fresh = ModelRegistry(api.runtime.db, tmp_path / "cache")  # another process: nothing cached
    loaded = await fresh.load(version)
    X = np.array([[1.5, 1.0, 0.05, 3.0, 1.0, 900.0, 0.0], [9.0, 7.0, 0.4, 30.0, 12.0, 2500.0, 2.0]])
    assert np.array_equal(loaded.score(X), RiskModel.load(candidate).score(X))
    assert not np.array_equal(loaded.score(X), api.runtime.model.score(X))
    listed = {info.version: info for info in await fresh.versions()}
    assert {version, api.runtime.model.version} <= set(listed)
    assert listed[version].features == list(api.runtime.model.feature_names)


async def test_replay_after_the_serving_model_changed_is_identical(api: Api, candidate: Path) -> None:
    quote = await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE, headers=api.auth("partner-a"))
    assert quote.status_code == 201
    score = await api.client.post("/v1/risk-scores", headers=api.auth("partner-a"), json={
        "drivers": [{"driver_id": "d-1", "features": EXAMPLE_QUOTE["telematics"]}], "state": "TX"})
    assert score.status_code == 200
    registry = api.runtime.models.registry
    assert registry is not None
    upgraded = await registry.load(await registry.register(candidate))
    replayers = api.runtime.decisions.replayers
    served = {kind: replayers[kind].model for kind in ("quote", "risk_score")}  # type: ignore[attr-defined]
    try:
        for kind in served:
            replayers[kind].model = upgraded  # type: ignore[attr-defined]  # this process now serves the new model
        for decision in (quote.json()["decision_id"], score.json()["scores"][0]["decision_id"]):
            replay = await api.client.post(f"/v1/decisions/{decision}/replay", headers=api.auth("partner-a",
                                                                                              "compliance"))
            assert replay.status_code == 200 and replay.json()["identical"] is True, replay.text
    finally:
        for kind, model in served.items():
            replayers[kind].model = model  # type: ignore[attr-defined]


async def register_as_before(api: Api, directory: Path) -> str:
    """Store a bundle the way the registry did until 2026-12: under the legacy id, as a database
    that served the old shipped model holds it."""
    legacy = artifacts.legacy_model_version(directory)
    bundle = ModelBundle(legacy, bundle_of(directory).files)
    async with api.runtime.db.session_scope() as session:
        await put_snapshot(session, KIND, msgspec.json.encode(bundle).decode(), hash=legacy)
    return legacy


async def test_a_decision_recorded_under_the_old_shipped_version_still_replays(api: Api, tmp_path: Path) -> None:
    legacy = await register_as_before(api, LEGACY)
    assert legacy == "de5ffc1727d66f89" != artifacts.model_version(LEGACY)  # the id recorded decisions pin
    tenants = api.runtime.catalog.tenants
    original = tenants["partner-a"]
    tenants["partner-a"] = LoadedTenant(msgspec.structs.replace(original.config, model=legacy),
                                        original.content_hash, original.source)
    try:
        await api.runtime.models.prepare([tenants["partner-a"]])
        quote = await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE, headers=api.auth("partner-a"))
        score = await api.client.post("/v1/risk-scores", headers=api.auth("partner-a"), json={
            "drivers": [{"driver_id": "d-1", "features": EXAMPLE_QUOTE["telematics"]}], "state": "TX"})
    finally:
        tenants["partner-a"] = original
    assert quote.status_code == 201 and quote.json()["versions"]["model"] == legacy, quote.text
    assert score.status_code == 200 and score.json()["model_version"] == legacy, score.text
    assert legacy != api.runtime.model.version  # the process now serves another model
    replayers = api.runtime.decisions.replayers
    registries = {kind: replayers[kind].registry for kind in ("quote", "risk_score")}  # type: ignore[attr-defined]
    fresh = ModelRegistry(api.runtime.db, tmp_path / "cache")  # another process: nothing cached
    try:
        for kind in registries:
            replayers[kind].registry = fresh  # type: ignore[attr-defined]
        for decision in (quote.json()["decision_id"], score.json()["scores"][0]["decision_id"]):
            replay = await api.client.post(f"/v1/decisions/{decision}/replay", headers=api.auth("partner-a",
                                                                                              "compliance"))
            assert replay.status_code == 200 and replay.json()["identical"] is True, replay.text
    finally:
        for kind, registry in registries.items():
            replayers[kind].registry = registry  # type: ignore[attr-defined]
    assert (await fresh.load(legacy)).version == legacy


async def test_shadow_scores_are_recorded_not_priced_and_reported(api: Api, shadowing: str, candidate: Path) -> None:
    await api.runtime.models.prepare([api.runtime.catalog.tenants["fleet-co"]])
    body = copy.deepcopy(EXAMPLE_QUOTE)
    priced = []
    for braking in (0.5, 2.0, 6.0, 12.0):
        body["telematics"]["hard_braking_events_per_100mi"] = braking
        response = await api.client.post("/v1/quotes?explain=false", json=body, headers=api.auth("fleet-co"))
        assert response.status_code == 201, response.text
        assert "shadow" not in response.text and response.json()["versions"]["model"] == api.runtime.model.version
        priced.append(response.json())
    decision = await api.client.get(f"/v1/decisions/{priced[0]['decision_id']}", headers=api.auth("fleet-co"))
    shadow = decision.json()["payload"]["shadow"]
    assert shadow["model"] == shadowing and Decimal(shadow["premium"]) > 0
    assert shadow["risk_score"] != priced[0]["risk_score"]
    report = await api.client.get("/v1/models/shadow-report", headers=api.auth("fleet-co", "compliance"))
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["quotes"] >= 4 and data["shadow_models"] == [shadowing]
    assert sum(move["count"] for move in data["tier_migration"]) == data["quotes"]
    assert data["impact"]["count"] == data["quotes"] and sum(b["count"] for b in data["impact"]["bands"]) == data[
        "quotes"]
    rated = await api.client.get("/v1/models/shadow-report", headers=api.auth("fleet-co", "rating"))
    assert rated.status_code == 403
    other = (await api.client.get("/v1/models/shadow-report", headers=api.auth("partner-b", "compliance"))).json()
    assert other["quotes"] == 0 and shadowing not in json.dumps(other)


async def test_a_monthly_run_scores_with_the_tenants_pinned_model(api: Api, candidate: Path) -> None:
    """Runs pin the tenant's live model as quotes use it: a ``model:`` pin, not the process default."""
    from tests.integration.api.test_trips import add_drivers, ids, wait_run
    from tests.trips_data import PERIOD, month_of_trips

    registry = api.runtime.models.registry
    assert registry is not None
    version = await registry.register(candidate)
    await registry.load(version)  # what start-up does for a pinned version
    drivers = ids(6)
    await add_drivers(api, "fleet-co", drivers)
    trips = month_of_trips(drivers, PERIOD, seed=9)
    assert (await api.client.post("/v1/trips", json={"trips": trips}, headers=api.auth("fleet-co"))).status_code == 200
    admin = api.auth("fleet-co", "admin")

    async def run_and_read() -> tuple[dict[str, object], dict[str, float]]:
        started = await api.client.post("/v1/scoring-runs", json={"period": PERIOD}, headers=admin)
        run = await wait_run(api, "fleet-co", started.json()["id"])
        assert run["status"] == "completed" and run["written"] == len(drivers)
        body = (await api.client.get(f"/v1/scoring-runs/{run['id']}/results?format=jsonl", headers=admin)).content
        return run, {row["driver_id"]: row["risk_score"] for row in map(json.loads, body.splitlines())}

    default_run, default_risks = await run_and_read()
    tenants = api.runtime.catalog.tenants
    original = tenants["fleet-co"]
    tenants["fleet-co"] = LoadedTenant(msgspec.structs.replace(original.config, model=version),
                                       original.content_hash, original.source)
    try:
        pinned_run, pinned_risks = await run_and_read()
    finally:
        tenants["fleet-co"] = original
    assert default_run["model_version"] == api.runtime.model.version
    assert pinned_run["model_version"] == version != api.runtime.model.version
    assert pinned_risks.keys() == default_risks.keys()
    assert all(pinned_risks[d] > default_risks[d] for d in drivers)  # the candidate's base score is higher
