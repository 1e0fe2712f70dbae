"""Adverse-action notices through the API on PostgreSQL: a surcharged quote, a declined quote and
a tier move each get exactly one notice whose effects reproduce the price difference; a discount
gets none; another tenant's decision is a 404 like an unknown one; the register counts them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from saas.audit.models import AuditEntryRow
from saas.compliance.recorder import event_id
from saas.compliance.tiers import decision_of
from saas.quote.examples import EXAMPLE_QUOTE
from saas.webhooks.models import DeliveryRow
from tests.integration.api.conftest import Api
from tests.integration.api.test_trips import add_drivers, wait_run
from tests.trips_data import trip

pytestmark = pytest.mark.integration

RISKY = {"hard_braking_events_per_100mi": 9.0, "aggressive_turning_events_per_100mi": 6.0,
         "tailgating_time_ratio": 0.35, "speeding_minutes_per_100mi": 25.0, "late_night_miles_per_100mi": 14.0,
         "miles": 1800, "prior_claim_count": 1}
SAFE = {"hard_braking_events_per_100mi": 0.2, "aggressive_turning_events_per_100mi": 0.1,
        "tailgating_time_ratio": 0.0, "speeding_minutes_per_100mi": 0.0, "late_night_miles_per_100mi": 0.0,
        "miles": 300, "prior_claim_count": 0}
CENT = Decimal("0.01")
PREVIOUS, PERIOD = "2026-07", "2026-08"
TIER_TENANT = "fleet-co"
"""A tenant and months no other test scores: this driver's data would move their runs' estimates."""


async def notices_for(api: Api, decision_id: str) -> int:
    """Notice entries naming this decision, counted behind the API's back (all tenants)."""
    async with api.owner.sessions() as session:
        stmt = select(func.count()).select_from(AuditEntryRow).where(
            AuditEntryRow.kind == "adverse_action", AuditEntryRow.payload.contains(f'"decision_id":"{decision_id}"'))
        return int((await session.execute(stmt)).scalar_one())


def check_reasons(notice: dict[str, Any]) -> None:
    """The effects add up; the (at most four) reasons are the largest effects, largest first."""
    rec = notice["reconciliation"]
    driving = [Decimal(e["amount"]) for e in notice["effects"] if e["source"] in ("telematics", "model_baseline")]
    assert abs(sum(driving) - Decimal(rec["difference"])) <= CENT
    rating = [Decimal(e["amount"]) for e in notice["effects"] if e["source"] in ("rating_factor", "rule")]
    assert abs(sum(rating, Decimal(0)) - Decimal(rec["above_base"])) <= CENT
    shown = [Decimal(r["amount"]) for r in notice["reasons"]]
    assert 1 <= len(shown) <= 4 and shown == sorted(shown, reverse=True)
    assert shown == sorted((Decimal(e["amount"]) for e in notice["effects"]), reverse=True)[:len(shown)]
    assert all("_per_100mi" not in r["sentence"] and "_ratio" not in r["sentence"] for r in notice["reasons"])


async def test_a_surcharged_quote_has_one_notice_that_adds_up(api: Api) -> None:
    response = await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": RISKY},
                                     headers=api.auth("partner-a"))
    assert response.status_code == 201, response.text
    quote = response.json()
    assert Decimal(quote["multiplier"]) > 1
    got = await api.client.get(f"/v1/decisions/{quote['decision_id']}/adverse-action", headers=api.auth("partner-a"))
    assert got.status_code == 200, got.text
    notice = got.json()
    assert notice["kind"] == "telematics_surcharge" and Decimal(notice["premium"]) == Decimal(quote["premium"])
    assert Decimal(notice["reconciliation"]["difference"]) == Decimal(notice["premium"]) - Decimal(notice["benchmark"])
    assert Decimal(notice["reconciliation"]["difference"]) > 0
    check_reasons(notice)
    assert notice["versions"]["model"] == quote["versions"]["model"] and notice["what_you_can_do"]
    assert await notices_for(api, quote["decision_id"]) == 1
    async with api.owner.sessions() as session:
        row = await session.get(DeliveryRow, event_id(notice["notice_id"]))
    assert row is not None and row.event_type == "adverse_action.created" and notice["notice_id"] in row.body


async def test_a_notice_reads_as_text_and_html(api: Api) -> None:
    quote = (await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": RISKY},
                                   headers=api.auth("partner-a"))).json()
    url = f"/v1/decisions/{quote['decision_id']}/adverse-action"
    text = await api.client.get(url, headers=api.auth("partner-a") | {"Accept": "text/plain"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    first = (await api.client.get(url, headers=api.auth("partner-a"))).json()["reasons"][0]
    assert "THE PRINCIPAL REASONS" in text.text and f"1. {first['sentence']}" in text.text
    html = await api.client.get(url + "?format=html", headers=api.auth("partner-a"))
    assert html.headers["content-type"].startswith("text/html") and "<ol>" in html.text and "<script" not in html.text
    assert "Notice of adverse action" in html.text


async def test_a_discount_has_no_notice(api: Api) -> None:
    quote = (await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": SAFE},
                                   headers=api.auth("partner-a"))).json()
    assert Decimal(quote["multiplier"]) < 1
    got = await api.client.get(f"/v1/decisions/{quote['decision_id']}/adverse-action", headers=api.auth("partner-a"))
    assert got.status_code == 404
    assert await notices_for(api, quote["decision_id"]) == 0


async def test_a_declined_quote_is_a_recorded_decision_with_one_notice(api: Api) -> None:
    body = EXAMPLE_QUOTE | {"policy": EXAMPLE_QUOTE["policy"] | {"state": "FL", "zip_code": "33101"},
                            "coverages": {"pip": False}, "telematics": RISKY}
    response = await api.client.post("/v1/quotes", json=body, headers=api.auth("partner-b"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("quote-declined") and problem["rule_id"] == "fl-pip-required"
    decision = await api.client.get(f"/v1/decisions/{problem['decision_id']}", headers=api.auth("partner-b"))
    assert decision.status_code == 200 and decision.json()["kind"] == "quote_declined"
    assert decision.json()["payload"]["rule_id"] == "fl-pip-required"
    notice = (await api.client.get(f"/v1/decisions/{problem['decision_id']}/adverse-action",
                                   headers=api.auth("partner-b"))).json()
    assert notice["kind"] == "quote_declined" and [r["key"] for r in notice["reasons"]] == ["fl-pip-required"]
    assert notice["reasons"][0]["cite"] == problem["cite"]
    assert await notices_for(api, problem["decision_id"]) == 1


async def test_another_tenants_notice_is_not_found_like_an_unknown_one(api: Api) -> None:
    quote = (await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": RISKY},
                                   headers=api.auth("partner-a"))).json()
    theirs = await api.client.get(f"/v1/decisions/{quote['decision_id']}/adverse-action",
                                  headers=api.auth("partner-b"))
    unknown_id = str(uuid.uuid4())
    unknown = await api.client.get(f"/v1/decisions/{unknown_id}/adverse-action", headers=api.auth("partner-b"))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["detail"].replace(quote["decision_id"], "X") == unknown.json()["detail"].replace(
        unknown_id, "X")
    assert set(theirs.json()) == set(unknown.json())


def driving(driver: str, period: str, risky: bool) -> list[dict[str, Any]]:
    year, month = int(period[:4]), int(period[5:])
    out = []
    for t in range(6):
        start = dt.datetime(year, month, 2 + t * 4, 23 if risky else 9, 0, tzinfo=dt.UTC)
        out.append(trip(driver, f"{driver}-{period}-{t}", start, 30.0,
                        hard_braking_events=8 if risky else 0, aggressive_turning_events=5 if risky else 0,
                        speeding_minutes=9.0 if risky else 0.0, tailgating_seconds=600.0 if risky else 0.0,
                        night_miles=15.0 if risky else 0.0))
    return out


async def test_a_tier_move_up_has_one_notice_that_adds_up(api: Api) -> None:
    driver, admin = f"aa-{uuid.uuid4().hex[:8]}", api.auth(TIER_TENANT, "admin")
    await add_drivers(api, TIER_TENANT, [driver])
    trips = driving(driver, PREVIOUS, risky=False) + driving(driver, PERIOD, risky=True)
    assert (await api.client.post("/v1/trips", json={"trips": trips}, headers=api.auth(TIER_TENANT))).status_code == 200
    for period in (PREVIOUS, PERIOD):
        run = await wait_run(api, TIER_TENANT, (await api.client.post(
            "/v1/scoring-runs", json={"period": period, "explain": True}, headers=admin)).json()["id"])
        assert run["status"] == "completed", run
    history = (await api.client.get(f"/v1/drivers/{driver}/scores", headers=api.auth(TIER_TENANT))).json()
    months = {h["period"]: h for h in history["scores"]}
    assert months[PREVIOUS]["tier"] < months[PERIOD]["tier"], months
    decision = decision_of(TIER_TENANT, PERIOD, driver, months[PREVIOUS]["tier"], months[PERIOD]["tier"])
    got = await api.client.get(f"/v1/decisions/{decision}/adverse-action", headers=api.auth(TIER_TENANT))
    assert got.status_code == 200, got.text
    notice = got.json()
    assert notice["kind"] == "tier_increase" and notice["driver_id"] == driver
    expected = (100 * (Decimal(str(months[PERIOD]["multiplier"])) - Decimal(str(months[PREVIOUS]["multiplier"]))))
    assert abs(Decimal(notice["reconciliation"]["difference"]) - expected) <= CENT
    assert notice["data_source"]["trips"] == 6 and notice["data_source"]["period"] == PERIOD
    check_reasons(notice)
    assert await notices_for(api, decision) == 1
    again = await wait_run(api, TIER_TENANT, (await api.client.post(
        "/v1/scoring-runs", json={"period": PERIOD, "explain": True}, headers=admin)).json()["id"])
    assert again["status"] == "completed" and await notices_for(api, decision) == 1  # the same move: no second


async def test_the_register_has_a_notice_for_every_adverse_decision(api: Api) -> None:
    for telematics in (RISKY, SAFE):
        await api.client.post("/v1/quotes", json=EXAMPLE_QUOTE | {"telematics": telematics},
                              headers=api.auth("partner-a"))
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    forbidden = await api.client.get(f"/v1/adverse-actions?period={period}", headers=api.auth("partner-a"))
    assert forbidden.status_code == 403
    got = await api.client.get(f"/v1/adverse-actions?period={period}", headers=api.auth("partner-a", "compliance"))
    assert got.status_code == 200, got.text
    figures = got.json()["figures"]
    assert figures["notices"] >= 1 and figures["adverse_decisions"] == figures["notices"]
    assert Decimal(figures["notice_rate"]) == 1
    assert sum(figures["by_kind"].values()) == figures["notices"]
    bad = await api.client.get("/v1/adverse-actions?period=2026-13", headers=api.auth("partner-a", "compliance"))
    assert bad.status_code in (400, 422)
