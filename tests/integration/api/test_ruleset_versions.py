"""State rulesets as platform-owned versioned content over HTTP on PostgreSQL: DSL errors located
in the upload, a conflict with a tenant's configuration refused naming the tenant and path, a diff
by rule id, a test re-pricing each serving tenant's recorded quotes, four eyes, a live deploy that
the next quote pins, and rollback; platform keys reach no tenant's objects and tenant keys no ruleset.

HI is served only by fleet-co and quoted in no other API test; the deployed change only rewords an
explanation, so no premium anywhere moves.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from saas.rating.routes import EXAMPLE_QUOTE
from saas.settings import ROOT
from saas.tenancy.keys import PLATFORM_TENANT, create_key
from tests.integration.api.conftest import Api, serving_api
from tests.services import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    """Its own database: what this module deploys or onboards is seen by no other test."""
    async with serving_api(postgres_server, "saas_rulesets") as ready:
        yield ready

HI = (ROOT / "rulesets" / "HI.yaml").read_text()
NY = (ROOT / "rulesets" / "NY.yaml").read_text()


@pytest.fixture(scope="module")
async def platform(api: Api) -> dict[str, dict[str, str]]:
    keys = {}
    async with api.runtime.db.session_scope() as session:
        for role, name in (("platform", "rules author"), ("platform-approver", "rules reviewer"),
                           ("platform-approver", "rules author")):
            _, key = await create_key(session, PLATFORM_TENANT, role, name)
            keys[f"{role}:{name}"] = {"Authorization": f"Bearer {key}"}
    return {"author": keys["platform:rules author"], "approver": keys["platform-approver:rules reviewer"],
            "self": keys["platform-approver:rules author"]}


async def hi_quote(api: Api) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE_QUOTE)
    body["policy"].update(state="HI", zip_code="96813")
    response = await api.client.post("/v1/quotes?explain=false", json=body, headers=api.auth("fleet-co", "rating"))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_dsl_error_is_located_with_a_suggestion(api: Api, platform: dict[str, dict[str, str]]) -> None:
    bad = HI.replace("    exclude: credit\n", "    exclude: credit\n    when: policy.stat == 'HI'\n")
    response = await api.client.post("/v1/ruleset-versions", headers=platform["author"],
                                     json={"yaml": bad, "message": "typo"})
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["line"] == bad.splitlines().index("    when: policy.stat == 'HI'") + 1
    assert error["col"] > 10 and "'state'" in error["hint"] and "^" in error["caret"]


async def test_a_ruleset_forbidding_what_a_tenant_enables_is_refused_naming_it(
        api: Api, platform: dict[str, dict[str, str]]) -> None:
    forbidding = NY.replace("rules:\n", "forbidden_features: [phone_usage]\nrules:\n", 1)
    response = await api.client.post("/v1/ruleset-versions", headers=platform["author"],
                                     json={"yaml": forbidding, "message": "no phones"})
    assert response.status_code == 422, response.text
    details = [e["detail"] for e in response.json()["errors"]]
    assert any("'partner-a'" in d and "$.features_enabled" in d for d in details), details
    listed = await api.client.get("/v1/ruleset-versions", headers=platform["author"])
    assert all(v["scope"] != "NY" or v["status"] != "draft" for v in listed.json()["versions"])


async def test_keys_stay_on_their_side(api: Api, platform: dict[str, dict[str, str]]) -> None:
    for path in ("/v1/config-versions", "/v1/rate-versions", "/v1/audit/export"):
        assert (await api.client.get(path, headers=platform["author"])).status_code == 403, path
    quoted = await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE, headers=platform["author"])
    assert quoted.status_code == 403
    tenant = await api.client.post("/v1/ruleset-versions", headers=api.auth("partner-a", "admin"),
                                   json={"yaml": HI, "message": "mine"})
    assert tenant.status_code == 403
    created = await api.client.post("/v1/tenants", headers=api.auth("partner-a", "admin"),
                                    json={"id": "sneaky", "name": "Sneaky"})
    assert created.status_code == 403


async def test_a_reworded_rule_is_diffed_tested_approved_deployed_live_and_rolled_back(
        api: Api, platform: dict[str, dict[str, str]]) -> None:
    before = (await hi_quote(api))["versions"]["ruleset"]
    reworded = HI.replace("Credit may not be used in Hawaii auto rating", "Credit is not a Hawaii rating factor")
    drafted = await api.client.post("/v1/ruleset-versions", headers=platform["author"],
                                    json={"yaml": reworded, "message": "plainer words"})
    assert drafted.status_code == 201, drafted.text
    version = drafted.json()["id"]
    assert drafted.json()["scope"] == "HI"
    diff = await api.client.get(f"/v1/ruleset-versions/{version}/diff?format=text", headers=platform["approver"])
    assert "rule hi-no-credit: explain" in diff.text and "hi-no-age" not in diff.text
    tested = await api.client.post(f"/v1/ruleset-versions/{version}/test", headers=platform["author"], json={})
    impact = tested.json()["result"]["tenants"]
    assert set(impact) == {"fleet-co"} and impact["fleet-co"]["quotes"] >= 1
    assert Decimal(impact["fleet-co"]["impact"]["premium_change"]) == 0  # rewording moves no premium
    own = await api.client.post(f"/v1/ruleset-versions/{version}/approve", headers=platform["self"])
    assert own.status_code == 403
    assert (await api.client.post(f"/v1/ruleset-versions/{version}/approve",
                                  headers=platform["approver"])).status_code == 200
    deployed = await api.client.post(f"/v1/ruleset-versions/{version}/deploy", headers=platform["author"], json={})
    assert deployed.status_code == 200, deployed.text
    live = await hi_quote(api)
    assert live["versions"]["ruleset"] != before
    rolled = await api.client.post("/v1/ruleset-versions/rollback", headers=platform["author"], json={"state": "HI"})
    assert rolled.status_code == 200, rolled.text
    assert (await hi_quote(api))["versions"]["ruleset"] == before
    replayed = await api.client.post(f"/v1/decisions/{live['decision_id']}/replay",
                                     headers=api.auth("fleet-co", "compliance"))
    assert replayed.status_code == 200 and replayed.json()["identical"] is True, replayed.text
