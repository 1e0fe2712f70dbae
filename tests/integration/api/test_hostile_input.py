"""Inputs found by probing the API as an outside tester (issue 12): each is a located 4xx, never a 500,
and none writes anything."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from saas.quote.examples import EXAMPLE_QUOTE
from tests.integration.api.conftest import Api
from tests.integration.api.test_quotes import chain_length

pytestmark = pytest.mark.integration

DEEP = b"[" * 100_000 + b"]" * 100_000
RISK_BODY = {"drivers": [{"driver_id": "d-1", "features": EXAMPLE_QUOTE["telematics"]}], "state": "TX"}


def with_(section: str, **values: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE_QUOTE)
    body.setdefault(section, {}).update(values)
    return body


async def post(api: Api, path: str, content: bytes, role: str = "rating") -> Any:
    return await api.client.post(path, content=content, headers=api.auth("partner-a", role)
                                 | {"Content-Type": "application/json"})


@pytest.mark.parametrize("path", ["/v1/quotes", "/v1/quotes/bulk", "/v1/risk-scores"])
@pytest.mark.parametrize("where", ["top", "field", "item"])
async def test_deeply_nested_json_is_a_fast_400(api: Api, path: str, where: str) -> None:
    body = {"top": DEEP, "field": b'{"policy": ' + DEEP + b"}", "item": b'{"quotes": [' + DEEP + b"]}"}[where]
    response = await post(api, path, body)  # refused at the depth limit, before anything recurses over it
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "malformed-json"
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/quotes", "/v1/quotes/bulk", "/v1/risk-scores", "/v1/rate-versions"])
async def test_invalid_utf8_in_a_string_is_a_400(api: Api, path: str) -> None:
    response = await post(api, path, b'{"reference": "caf\xc3\x28 \xff"}', role="admin")
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "malformed-json"
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-0", "500.0000000001", "1e308", "-500", "9" * 5000,
                                   750, "750.00"])
async def test_a_deductible_not_listed_by_the_rate_table_is_a_422_at_its_path(api: Api, value: Any) -> None:
    before = await chain_length(api, "partner-a")
    response = await post(api, "/v1/quotes", json.dumps(with_("coverages", deductible=value)).encode())
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["path"]) == ("validation-error", "$.coverages.deductible")
    assert len(problem["detail"]) < 200
    bulk = await post(api, "/v1/quotes/bulk", json.dumps({"quotes": [with_("coverages", deductible=value)]}).encode())
    assert bulk.status_code == 200
    assert bulk.json()["results"][0]["error"]["path"] == "$.quotes[0].coverages.deductible"
    assert await chain_length(api, "partner-a") == before


@pytest.mark.parametrize("value", ["1000", 1000, "1000.00", "0"])
async def test_a_listed_deductible_prices(api: Api, value: Any) -> None:
    response = await post(api, "/v1/quotes", json.dumps(with_("coverages", deductible=value)).encode())
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("section", "field", "value"), [
    ("policy", "effective_date", "9999-12-31"),
    ("vehicle", "model_year", 2021.0),
    (None, "reference", "a\x00b"),
    (None, "reference", "invoice \u202egpj.exe"),
    (None, "reference", "zero\u200bwidth"),
])
async def test_quietly_accepted_values_are_now_422(api: Api, section: str | None, field: str, value: Any) -> None:
    body = with_(section, **{field: value}) if section else copy.deepcopy(EXAMPLE_QUOTE) | {field: value}
    response = await post(api, "/v1/quotes", json.dumps(body).encode())
    assert response.status_code == 422, response.text
    assert response.json()["path"] == f"$.{section}.{field}" if section else f"$.{field}"


async def test_the_horizon_itself_is_accepted(api: Api) -> None:
    import datetime as dt

    from saas.quote.schemas import EFFECTIVE_DATE_HORIZON_DAYS

    last = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=EFFECTIVE_DATE_HORIZON_DAYS - 1)
    response = await post(api, "/v1/quotes", json.dumps(with_("policy", effective_date=last.isoformat())).encode())
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("path", ["/v1/quotes", "/v1/risk-scores"])
async def test_a_duplicated_key_is_a_422_naming_it(api: Api, path: str) -> None:
    text = json.dumps(EXAMPLE_QUOTE if path == "/v1/quotes" else RISK_BODY)
    body = text.replace('"state": "TX"', '"state": "TX", "state": "CA"', 1).encode()
    response = await post(api, path, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "validation-error"
    assert problem["path"] == ("$.policy.state" if path == "/v1/quotes" else "$.state")
    assert "'state' appears more than once" in problem["detail"]


async def test_a_risk_score_decision_replays_identically(api: Api) -> None:
    scored = await post(api, "/v1/risk-scores", json.dumps(RISK_BODY).encode())
    assert scored.status_code == 200, scored.text
    decision = scored.json()["scores"][0]["decision_id"]
    replay = await api.client.post(f"/v1/decisions/{decision}/replay", headers=api.auth("partner-a", "compliance"))
    assert replay.status_code == 200, replay.text
    assert replay.json()["identical"] is True


@pytest.mark.parametrize("role", ["approver", "compliance"])
@pytest.mark.parametrize(("path", "body"), [
    ("/v1/quotes", b'{"policy": {"state": 7}}'), ("/v1/quotes", json.dumps(EXAMPLE_QUOTE).encode()),
    ("/v1/quotes", b"{not json"), ("/v1/quotes", DEEP),
    ("/v1/risk-scores", b'{"drivers": []}'), ("/v1/risk-scores", json.dumps(RISK_BODY).encode()),
    ("/v1/quotes/bulk", b'{"quotes": 3}'),
])
async def test_a_role_without_the_right_gets_403_whatever_the_body(api: Api, role: str, path: str,
                                                                   body: bytes) -> None:
    response = await post(api, path, body, role=role)
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "forbidden"
    assert "path" not in response.json()


@pytest.mark.parametrize("role", ["rating", "approver"])
@pytest.mark.parametrize("query", ["?from=zzz", "?format=xml", "?to=2026-13-45&from=yesterday", ""])
async def test_audit_export_checks_the_role_before_the_query(api: Api, role: str, query: str) -> None:
    response = await api.client.get(f"/v1/audit/export{query}", headers=api.auth("partner-a", role))
    assert response.status_code == 403, response.text


async def test_the_query_is_validated_for_the_right_role(api: Api) -> None:
    response = await api.client.get("/v1/audit/export?from=zzz", headers=api.auth("partner-a", "compliance"))
    assert response.status_code == 422
    assert response.json()["path"] == "$.from"


@pytest.mark.parametrize("path", ["/v1/quotes", "/v1/quotes/bulk", "/v1/risk-scores", "/v1/rate-versions",
                                  "/v1/rate-versions/rollback"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer rk_nope"}, {"Authorization": "Basic x"}])
async def test_malformed_json_without_a_valid_key_is_401(api: Api, path: str, headers: dict[str, str]) -> None:
    response = await api.client.post(path, content=b"{not json" + DEEP, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["type"] == "unauthenticated"


async def test_a_bulk_larger_than_a_whole_minute_of_quota_is_413_not_429(api: Api) -> None:
    from saas.tenancy.ratelimit import TenantRateLimiter

    original = api.runtime.limiter
    api.runtime.limiter = TenantRateLimiter(5)
    try:
        body = json.dumps({"quotes": [EXAMPLE_QUOTE] * 6}).encode()
        response = await post(api, "/v1/quotes/bulk?explain=false", body)
        assert response.status_code == 413, response.text
        assert response.json()["type"] == "payload-too-large"
        assert "6 quotes in one request exceed the tenant's whole quota of 5" in response.json()["detail"]
        fits = await post(api, "/v1/quotes/bulk?explain=false", json.dumps({"quotes": [EXAMPLE_QUOTE] * 5}).encode())
        assert fits.status_code == 200 and fits.json()["succeeded"] == 5  # the refused request spent nothing
    finally:
        api.runtime.limiter = original
