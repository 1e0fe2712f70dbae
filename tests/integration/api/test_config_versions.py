"""A partner onboarded and reconfigured over HTTP on PostgreSQL, without a restart: the platform
creates the tenant, its admin drafts, tests and deploys a configuration and a rate table, a quote
pins the configuration version, a cap change is diffed, impact-tested on recorded quotes,
approved by another person, deployed, superseded the same day and rolled back.

The tenant (``acme-mutual``) exists only in this module, so nothing here moves another test's premium.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml

from saas.rating.routes import EXAMPLE_QUOTE
from saas.settings import ROOT
from saas.tenancy.keys import PLATFORM_TENANT, create_key
from tests.integration.api.conftest import Api, serving_api
from tests.services import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    """Its own database: what this module deploys or onboards is seen by no other test."""
    async with serving_api(postgres_server, "saas_onboarding") as ready:
        yield ready

TENANT = "acme-mutual"
CONFIG = (ROOT / "tenants" / "partner-a.yaml").read_text().replace("id: partner-a", f"id: {TENANT}") \
    .replace("states: [CA, NY, TX]", "states: [TX]").replace("  CA:\n    features_enabled: [mileage]\n", "") \
    .replace("state_overrides:\n", "")
RATES = yaml.safe_load((ROOT / "tenants" / "partner-a" / "rates" / "TX-auto.yaml").read_text())


class Acme:
    def __init__(self, api: Api, keys: dict[str, str]) -> None:
        self.api, self.keys = api, keys

    async def call(self, method: str, path: str, role: str = "admin", headers: dict[str, str] | None = None,
                   **kwargs: Any) -> Any:
        auth = {"Authorization": f"Bearer {self.keys[role]}", **(headers or {})}
        return await self.api.client.request(method, path, headers=auth, **kwargs)

    async def quote(self) -> Any:
        body = copy.deepcopy(EXAMPLE_QUOTE)
        body["policy"].update(state="TX", zip_code="77002", effective_date=str(dt.date.today()))
        return await self.call("POST", "/v1/quotes?explain=false", "rating", json=body)

    async def through_approval(self, collection: str, body: dict[str, Any], test: dict[str, Any]) -> str:
        drafted = await self.call("POST", collection, json=body)
        assert drafted.status_code == 201, drafted.text
        version = str(drafted.json()["id"])
        assert (await self.call("POST", f"{collection}/{version}/test", json=test)).status_code == 200
        approved = await self.call("POST", f"{collection}/{version}/approve", "approver")
        assert approved.status_code == 200, approved.text
        return version


@pytest.fixture(scope="module")
async def acme(api: Api) -> Acme:
    async with api.runtime.db.session_scope() as session:
        _, platform = await create_key(session, PLATFORM_TENANT, "platform", "onboarding desk")
    created = await api.client.post("/v1/tenants", json={"id": TENANT, "name": "Acme Mutual"},
                                    headers={"Authorization": f"Bearer {platform}"})
    assert created.status_code == 201, created.text
    keys = {"admin": created.json()["admin_key"], "platform": platform}
    async with api.runtime.db.session_scope() as session:
        for role in ("rating", "approver", "compliance"):
            _, keys[role] = await create_key(session, TENANT, role, f"acme {role}")
        _, keys["self-approver"] = await create_key(session, TENANT, "approver", "first admin")
    return Acme(api, keys)


async def test_onboarding_then_a_cap_change_live_with_four_eyes_and_rollback(acme: Acme) -> None:
    missing = await acme.quote()
    assert missing.status_code == 409 and "no deployed configuration" in missing.json()["detail"]

    first = await acme.through_approval("/v1/config-versions", {"yaml": CONFIG, "message": "onboarding"}, {})
    assert (await acme.call("POST", f"/v1/config-versions/{first}/deploy", json={})).status_code == 200
    no_rates = await acme.quote()
    assert no_rates.status_code == 409 and "no deployed auto rate table for TX" in no_rates.json()["detail"]

    rates = {**RATES, "tenant": TENANT, "effective_date": "2026-01-01"}
    table = await acme.through_approval("/v1/rate-versions", {"table": rates, "message": "TX rates"},
                                        {"scenarios": [{"scenario_id": "s", "quote": EXAMPLE_QUOTE}]})
    assert (await acme.call("POST", f"/v1/rate-versions/{table}/deploy", json={})).status_code == 200
    priced = [await acme.quote() for _ in range(3)]
    assert [p.status_code for p in priced] == [201, 201, 201]
    assert priced[0].json()["versions"]["tenant_config"] == first

    wider = CONFIG.replace("max_discount: 0.25", "max_discount: 0.30").replace(
        "{name: B, up_to_percentile: 40,", "{name: B, up_to_percentile: 45,")
    drafted = await acme.call("POST", "/v1/config-versions?message=wider%20discount", content=wider.encode(),
                              headers={"Content-Type": "application/yaml"})
    assert drafted.status_code == 201, drafted.text
    version = drafted.json()["id"]
    again = await acme.call("POST", "/v1/config-versions", json={"yaml": wider, "message": "same content"})
    assert (again.status_code, again.json()["id"]) == (200, version)

    diff = await acme.call("GET", f"/v1/config-versions/{version}/diff?format=text", "approver")
    assert "pricing.max_discount 0.25 → 0.30" in diff.text and "tier B up to percentile 40 → 45" in diff.text
    detail = (await acme.call("GET", f"/v1/config-versions/{version}", "compliance")).json()
    assert detail["yaml"] == wider and detail["parsed"]["pricing"]["max_discount"] == "0.30"

    untested = await acme.call("POST", f"/v1/config-versions/{version}/approve", "approver")
    assert untested.status_code == 409 and "test" in untested.json()["detail"]
    tested = (await acme.call("POST", f"/v1/config-versions/{version}/test", json={"recent_quotes": 10})).json()
    impact = tested["result"]["quotes"]
    assert impact["quotes"] == 3 and impact["impact"]["count"] == 3
    assert tested["result"]["against"] == first and tested["result"]["drivers"] is None
    own = await acme.call("POST", f"/v1/config-versions/{version}/approve", "self-approver")
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    assert (await acme.call("POST", f"/v1/config-versions/{version}/approve", "approver")).status_code == 200
    assert (await acme.call("POST", f"/v1/config-versions/{version}/deploy", "approver")).status_code == 403
    assert (await acme.call("POST", f"/v1/config-versions/{version}/deploy", json={})).status_code == 200
    assert (await acme.quote()).json()["versions"]["tenant_config"] == version

    back = await acme.call("POST", "/v1/config-versions/rollback", json={})
    assert back.status_code == 200 and back.json()["id"] == first
    assert (await acme.quote()).json()["versions"]["tenant_config"] == first
    log = (await acme.call("GET", "/v1/config-versions", "compliance")).json()["versions"]
    assert {v["id"]: v["status"] for v in log} == {first: "deployed", version: "superseded"}
    history = (await acme.call("GET", f"/v1/config-versions/{first}", "compliance")).json()["history"]
    assert [e["action"] for e in history][-1] == "rollback"


async def test_a_same_day_fix_after_a_rollback_supersedes_the_deployment(acme: Acme) -> None:
    fixed = CONFIG.replace("max_surcharge: 0.40", "max_surcharge: 0.35")
    version = await acme.through_approval("/v1/config-versions", {"yaml": fixed, "message": "fix"}, {})
    deployed = await acme.call("POST", f"/v1/config-versions/{version}/deploy", json={})
    assert deployed.status_code == 200, deployed.text
    assert (await acme.quote()).json()["versions"]["tenant_config"] == version
    listed = (await acme.call("GET", "/v1/config-versions", "compliance")).json()["versions"]
    log = {v["id"]: v["status"] for v in listed}
    assert log[version] == "deployed" and list(log.values()).count("deployed") == 1


async def test_another_tenants_key_sees_every_version_route_as_an_unknown_id(acme: Acme, api: Api) -> None:
    version = (await acme.call("GET", "/v1/config-versions", "compliance")).json()["versions"][0]["id"]
    other = api.auth("partner-b", "admin")
    for method, path in [("GET", f"/v1/config-versions/{version}"), ("GET", f"/v1/config-versions/{version}/diff"),
                         ("POST", f"/v1/config-versions/{version}/test"),
                         ("POST", f"/v1/config-versions/{version}/deploy")]:
        seen = await api.client.request(method, path, headers=other, json={})
        unknown = await api.client.request(method, path.replace(version, "f" * 64), headers=other, json={})
        assert seen.status_code == unknown.status_code == 404, (path, seen.text)
        assert seen.json()["detail"].replace(version, "ID") == unknown.json()["detail"].replace("f" * 64, "ID")
    stolen = await api.client.post("/v1/config-versions", headers=other, json={"yaml": CONFIG, "message": "mine"})
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["path"] == "$.id"
    platform = await api.client.get("/v1/config-versions", headers={"Authorization": f"Bearer {acme.keys['platform']}"})
    assert platform.status_code == 403
