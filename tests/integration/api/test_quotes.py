"""Quotes over HTTP on PostgreSQL: pricing, explanations, bulk, auth, bad input, metrics."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from saas.rating.routes import EXAMPLE_QUOTE
from saas.tenancy.ratelimit import TenantRateLimiter
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration


def quote_body(**policy: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE_QUOTE)
    body["policy"].update(policy)
    return body


async def chain_length(api: Api, tenant: str) -> int:
    response = await api.client.get("/v1/audit/verify", headers=api.auth(tenant, "compliance"))
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is True
    return int(result["checked"])


async def test_quote_returns_premium_factors_scores_versions(api: Api) -> None:
    response = await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-a"))
    assert response.status_code == 201, response.text
    body = response.json()
    premium = Decimal(body["premium"])
    assert premium > 0 and premium == premium.quantize(Decimal("0.01"))
    names = [f["name"] for f in body["factors"]]
    assert "territory" in names and "telematics" in names
    assert all(f["explanation"] for f in body["factors"])
    assert 0 < body["risk_score"] < 1
    assert Decimal("0.75") <= Decimal(body["multiplier"]) <= Decimal("1.40")
    assert body["tier"] in {"A", "B", "C", "D", "E"}
    assert body["top_adverse_factors"] and body["top_adverse_factors"][0]["sentence"]
    assert set(body["versions"]) == {"rate_table", "ruleset", "tenant_config", "model", "code"}
    assert body["versions"]["model"] == api.runtime.model.version
    record = await api.client.get(f"/v1/decisions/{body['decision_id']}", headers=api.auth("partner-a"))
    assert record.status_code == 200
    assert record.json()["payload"]["response"]["premium"] == body["premium"]


async def test_explanations_can_be_turned_off(api: Api) -> None:
    response = await api.client.post("/v1/quotes?explain=false", json=quote_body(), headers=api.auth("partner-a"))
    assert response.status_code == 201
    body = response.json()
    assert "top_adverse_factors" not in body
    assert body["risk_score"] > 0


async def test_quote_without_telematics_has_no_telematics_factor(api: Api) -> None:
    body = quote_body()
    del body["telematics"]
    response = await api.client.post("/v1/quotes", json=body, headers=api.auth("partner-a"))
    assert response.status_code == 201
    assert "telematics" not in [f["name"] for f in response.json()["factors"]]
    assert "risk_score" not in response.json()


async def test_tenants_price_the_same_quote_their_own_way(api: Api) -> None:
    a = (await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-a"))).json()
    b = (await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-b"))).json()
    fleet = (await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("fleet-co"))).json()
    assert len({q["versions"]["tenant_config"] for q in (a, b, fleet)}) == 3
    # partner-b and fleet-co use the same model inputs in TX (mileage on); partner-a does not use mileage
    assert b["risk_score"] == fleet["risk_score"] != a["risk_score"]
    assert Decimal(b["premium"]) == Decimal(b["premium"]).quantize(Decimal("1"))  # partner-b rounds to dollars
    assert Decimal(fleet["multiplier"]) <= 1  # discount-only


@pytest.mark.parametrize(
    ("headers", "status", "kind"),
    [({}, 401, "unauthenticated"), ({"Authorization": "Bearer rk_nope_nope"}, 401, "unauthenticated"),
     ({"Authorization": "Basic abc"}, 401, "unauthenticated")],
)
async def test_missing_or_bad_key_is_401(api: Api, headers: dict[str, str], status: int, kind: str) -> None:
    response = await api.client.post("/v1/quotes", json=quote_body(), headers=headers)
    assert response.status_code == status
    assert response.json()["type"] == kind


async def test_role_without_the_right_is_403(api: Api) -> None:
    response = await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-a", "compliance"))
    assert response.status_code == 403
    assert response.json()["type"] == "forbidden"
    response = await api.client.get("/v1/audit/verify", headers=api.auth("partner-a", "rating"))
    assert response.status_code == 403


BAD_INPUT = [
    ("malformed", b'{"policy": ', 400, "malformed-json", None),
    ("wrong type", json.dumps(quote_body(zip_code=75201)).encode(), 422, "validation-error", "$.policy.zip_code"),
    ("unknown field", json.dumps({**quote_body(), "colour": "red"}).encode(), 422, "validation-error", None),
    ("unknown state", json.dumps(quote_body(state="ZZ")).encode(), 422, "rating-error", "$.policy.state"),
    ("unserved state", json.dumps(quote_body(state="HI")).encode(), 422, "rating-error", "$.policy.state"),
    ("oversized", b'{"policy": "' + b"x" * 2_100_000 + b'"}', 413, "payload-too-large", None),
]


@pytest.mark.parametrize(("name", "body", "status", "kind", "path"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
async def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    api: Api, name: str, body: bytes, status: int, kind: str, path: str | None
) -> None:
    before = await chain_length(api, "partner-a")
    headers = {**api.auth("partner-a"), "Content-Type": "application/json"}
    response = await api.client.post("/v1/quotes", content=body, headers=headers)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["type"] == kind and problem["detail"] and problem["status"] == status
    if path:
        assert problem["path"] == path
    assert await chain_length(api, "partner-a") == before


async def test_decline_names_rule_and_is_recorded_as_a_decision_with_its_notice(api: Api) -> None:
    before = await chain_length(api, "partner-a")
    body = quote_body()
    body["drivers"][0].update(age=20, years_licensed=15)  # licensed before 14: the default ruleset declines
    response = await api.client.post("/v1/quotes", json=body, headers=api.auth("partner-a"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "quote-declined" and problem["rule_id"] and problem["detail"]
    assert await chain_length(api, "partner-a") == before + 2  # the decline and its adverse-action notice
    recorded = (await api.client.get(f"/v1/decisions/{problem['decision_id']}", headers=api.auth("partner-a"))).json()
    assert (recorded["kind"], recorded["payload"]["rule_id"]) == ("quote_declined", problem["rule_id"])


async def test_bulk_prices_each_quote_or_reports_its_own_error(api: Api) -> None:
    good = quote_body()
    bad_type = quote_body(zip_code=123)
    unserved = quote_body(state="HI")
    before = await chain_length(api, "partner-a")
    response = await api.client.post("/v1/quotes/bulk?explain=false", json={"quotes": [good, bad_type, unserved, good]},
                                     headers=api.auth("partner-a"))
    assert response.status_code == 200
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 2)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert results[1]["error"]["path"] == "$.quotes[1].policy.zip_code"
    assert results[2]["error"]["type"] == "rating-error"
    assert results[0]["quote"]["premium"] == results[3]["quote"]["premium"]
    assert await chain_length(api, "partner-a") == before + 2


async def test_bulk_over_the_limit_is_refused_whole(api: Api) -> None:
    limit = api.runtime.settings.bulk_max_quotes
    response = await api.client.post("/v1/quotes/bulk", json={"quotes": [quote_body()] * (limit + 1)},
                                     headers=api.auth("partner-a"))
    assert response.status_code == 413
    assert response.json()["path"] == "$.quotes"


async def test_risk_scores_map_per_tenant(api: Api) -> None:
    drivers = [{"driver_id": f"d{i}", "features": {**EXAMPLE_QUOTE["telematics"], "speeding_minutes_per_100mi": s}}
               for i, s in enumerate((0.0, 10.0, 60.0))]
    response = await api.client.post("/v1/risk-scores", json={"drivers": drivers, "state": "TX"},
                                     headers=api.auth("partner-a"))
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert [s["driver_id"] for s in scores] == ["d0", "d1", "d2"]
    assert scores[0]["risk_score"] <= scores[2]["risk_score"]
    assert Decimal(scores[0]["safety_score"]) >= Decimal(scores[2]["safety_score"])
    assert set(scores[0]["contributions"]) >= {"speeding_minutes_per_100mi", "miles"}


async def test_operations_endpoints(api: Api) -> None:
    health = (await api.client.get("/healthz")).json()
    assert set(health["tenants"]) == {"partner-a", "partner-b", "fleet-co"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "postgresql"
    await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-b"))
    metrics = (await api.client.get("/metrics")).text
    assert 'saas_quotes_total{outcome="ok",tenant="partner-b"}' in metrics
    assert 'route="/v1/quotes"' in metrics
    schema = (await api.client.get("/schema/openapi.json")).json()
    assert "/v1/quotes" in schema["paths"] and "/v1/quotes/bulk" in schema["paths"]
    assert "75201" in json.dumps(schema["paths"]["/v1/quotes"]["post"]["requestBody"])


async def test_rate_limit_is_per_tenant_and_a_429_problem(api: Api) -> None:
    original = api.runtime.limiter
    api.runtime.limiter = TenantRateLimiter(60, burst=2)
    try:
        statuses = [(await api.client.post("/v1/quotes?explain=false", json=quote_body(),
                                           headers=api.auth("partner-a"))).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
        limited = await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-a"))
        assert limited.json()["type"] == "rate-limited" and limited.headers["retry-after"] == "1"
        other = await api.client.post("/v1/quotes", json=quote_body(), headers=api.auth("partner-b"))
        assert other.status_code == 201
    finally:
        api.runtime.limiter = original
