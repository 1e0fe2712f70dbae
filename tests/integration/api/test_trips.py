"""Drivers, trip ingestion and in-process scoring runs through the API, on PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from tests.integration.api.conftest import Api
from tests.trips_data import PERIOD, PREVIOUS, month_of_trips, trip
from tests.waiting import LOADED, until

pytestmark = pytest.mark.integration
TERMINAL = {"completed", "completed_with_failures", "failed"}


async def wait_run(api: Api, tenant: str, run_id: str, within_s: float = 30 * LOADED) -> dict[str, Any]:
    """The run once closed; in-process chunks of a few hundred drivers take well under a second idle."""
    async def view() -> dict[str, Any]:
        response = await api.client.get(f"/v1/scoring-runs/{run_id}", headers=api.auth(tenant, "admin"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    return await until(view, lambda run: run["status"] in TERMINAL, within_s=within_s,
                       what=f"run {run_id} of {tenant} to close")


def run_checksum_of(body: bytes, run: dict[str, Any]) -> str:
    """What a partner does with an export: hash each chunk's lines, then the digests in order."""
    import json

    digests = b""
    for chunk in run["chunk_digests"]:
        lines = [line + b"\n" for line in body.splitlines()
                 if chunk["first_driver"] <= json.loads(line)["driver_id"] <= chunk["last_driver"]]
        assert hashlib.sha256(b"".join(lines)).hexdigest() == chunk["sha256"]
        digests += hashlib.sha256(b"".join(lines)).digest()
    return hashlib.sha256(digests).hexdigest()


async def add_drivers(api: Api, tenant: str, drivers: list[str], state: str = "TX") -> None:
    for driver in drivers:
        response = await api.client.put(f"/v1/drivers/{driver}", json={"state": state, "prior_claim_count": 0},
                                        headers=api.auth(tenant))
        assert response.status_code == 201, response.text


def ids(n: int) -> list[str]:
    prefix = uuid.uuid4().hex[:6]
    return [f"d{prefix}{i:03d}" for i in range(n)]


async def test_trips_batch_is_idempotent_and_reports_bad_rows_by_path(api: Api) -> None:
    drivers = ids(2)
    await add_drivers(api, "partner-a", drivers)
    good = month_of_trips(drivers, trips_each=2)
    bad = [dict(good[0], trip_id="neg", miles=-1.0),
           trip(drivers[0], "backwards", __import__("datetime").datetime(2026, 10, 3, 9, tzinfo=__import__(
               "datetime").UTC), 5.0) | {"ended_at": "2026-10-03T08:00:00+00:00"},
           dict(good[1], trip_id="stranger", driver_id="nobody")]
    response = await api.client.post("/v1/trips", json={"trips": good + bad}, headers=api.auth("partner-a"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["received"], report["accepted"], report["duplicates"], report["rejected"]) == (7, 4, 0, 3)
    assert [(e["index"], e["path"]) for e in report["errors"]] == [
        (4, "$.trips[4].miles"), (5, "$.trips[5]"), (6, "$.trips[6].driver_id")]
    assert "ended_at must be after started_at" in report["errors"][1]["detail"]
    again = await api.client.post("/v1/trips", json={"trips": good}, headers=api.auth("partner-a"))
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 4)


async def test_bad_bodies_are_4xx_with_paths_and_roles_come_first(api: Api) -> None:
    cases = [("/v1/trips", {"trips": []}, "$.trips"), ("/v1/trips", {"trip": []}, "$"),
             ("/v1/scoring-runs", {"period": "2999-01"}, "$.period"),
             ("/v1/scoring-runs", {"period": "2026-13"}, "$.period")]
    for url, body, path in cases:
        response = await api.client.post(url, json=body, headers=api.auth("partner-a", "admin"))
        assert response.status_code == 422, response.text
        assert response.json()["path"] == path
    forbidden = await api.client.post("/v1/scoring-runs", content=b"not json", headers=api.auth("partner-a"))
    assert forbidden.status_code == 403
    malformed = await api.client.post("/v1/trips", content=b"{", headers=api.auth("partner-a"))
    assert malformed.status_code in (400, 422) and malformed.headers["content-type"] == "application/problem+json"
    state = await api.client.put("/v1/drivers/x1", json={"state": "ZZ"}, headers=api.auth("partner-a"))
    assert state.status_code == 422 and state.json()["path"] == "$.state"
    driver = ids(1)
    await add_drivers(api, "partner-a", driver)
    good = month_of_trips(driver, trips_each=1)
    not_an_object = await api.client.post("/v1/trips", json={"trips": [*good, [None, None]]},
                                          headers=api.auth("partner-a"))
    assert not_an_object.status_code == 422 and not_an_object.json()["path"] == "$.trips[1]"  # the envelope
    stored = await api.client.post("/v1/trips", json={"trips": good}, headers=api.auth("partner-a"))
    assert stored.json()["accepted"] == 1  # the refused upload stored nothing


async def test_monthly_run_scores_smooths_and_is_reproducible(api: Api) -> None:
    drivers = ids(12)
    await add_drivers(api, "partner-b", drivers)
    lazy = drivers[-1]  # no trips: reported, not scored
    trips = month_of_trips(drivers[:-1], PREVIOUS, seed=1) + month_of_trips(drivers[:-1], PERIOD, seed=2)
    assert (await api.client.post("/v1/trips", json={"trips": trips}, headers=api.auth("partner-b"))).status_code == 200
    admin = api.auth("partner-b", "admin")
    before = (await api.client.post("/v1/scoring-runs", json={"period": PREVIOUS}, headers=admin)).json()
    await wait_run(api, "partner-b", before["id"])
    started = await api.client.post("/v1/scoring-runs", json={"period": PERIOD}, headers=admin)
    assert started.status_code == 202, started.text
    run = await wait_run(api, "partner-b", started.json()["id"])
    assert run["status"] == "completed"
    assert (run["expected"], run["written"], run["not_scored"]) == (12, 11, 1)
    assert run["not_scored_sample"] == [lazy]
    assert run["reconciliation"]["missing"] == 0 and run["reconciliation"]["duplicates"] == 0
    assert run["credibility"]["hard_braking_events_per_100mi"]["note"] == "estimated"
    assert float(run["credibility"]["hard_braking_events_per_100mi"]["k"]) > 0

    body = (await api.client.get(f"/v1/scoring-runs/{run['id']}/results?format=jsonl", headers=admin)).content
    assert len(body.splitlines()) == 11
    assert run_checksum_of(body, run) == run["checksum"]
    csv = (await api.client.get(f"/v1/scoring-runs/{run['id']}/results?format=csv", headers=admin)).text
    assert csv.splitlines()[0].startswith("driver_id,period,trips,miles,risk_score")
    assert len(csv.splitlines()) == 12

    history = (await api.client.get(f"/v1/drivers/{drivers[0]}/scores", headers=api.auth("partner-b"))).json()
    now, previous = history["scores"]
    assert (now["period"], previous["period"]) == (PERIOD, PREVIOUS)
    from decimal import Decimal

    expected = (Decimal("0.5") * Decimal(str(previous["safety_score"]))
                + Decimal("0.5") * Decimal(str(now["safety_score_month"]))).quantize(Decimal("0.1"))
    assert Decimal(str(now["safety_score"])) == expected  # partner-b smooths 0.5 / 0.5
    assert 2 <= len(now["improve"]) <= 3 and now["top_safest"].startswith("top ")

    again = await api.client.post("/v1/scoring-runs", json={"period": PERIOD}, headers=admin)
    rerun = await wait_run(api, "partner-b", again.json()["id"])
    assert rerun["checksum"] == run["checksum"] and rerun["id"] != run["id"]


async def test_another_tenants_objects_are_not_found(api: Api) -> None:
    drivers = ids(1)
    await add_drivers(api, "partner-a", drivers)
    run = (await api.client.post("/v1/scoring-runs", json={"period": PERIOD},
                                 headers=api.auth("partner-a", "admin"))).json()
    await wait_run(api, "partner-a", run["id"])
    b_admin = api.auth("partner-b", "admin")
    for url in (f"/v1/drivers/{drivers[0]}", f"/v1/drivers/{drivers[0]}/scores", f"/v1/scoring-runs/{run['id']}",
                f"/v1/scoring-runs/{run['id']}/results", "/v1/drivers/unknown-driver/scores"):
        response = await api.client.get(url, headers=b_admin)
        assert response.status_code == 404, (url, response.text)
        assert response.json()["type"] == "not-found"
    sneaky = await api.client.post("/v1/trips", json={"trips": month_of_trips(drivers, trips_each=1, prefix="b")},
                                   headers=api.auth("partner-b"))
    assert sneaky.json()["rejected"] == 1 and sneaky.json()["errors"][0]["path"] == "$.trips[0].driver_id"


async def test_a_completed_run_queues_its_signed_event_in_the_outbox(api: Api) -> None:
    from saas.webhooks.outbox import Deliveries

    drivers = ids(6)
    await add_drivers(api, "partner-a", drivers)
    trips = month_of_trips(drivers, PREVIOUS, seed=3) + month_of_trips(list(reversed(drivers)), PERIOD, seed=4)
    assert (await api.client.post("/v1/trips", json={"trips": trips}, headers=api.auth("partner-a"))).status_code == 200
    admin = api.auth("partner-a", "admin")
    for period in (PREVIOUS, PERIOD):
        run = await wait_run(api, "partner-a", (await api.client.post(
            "/v1/scoring-runs", json={"period": period}, headers=admin)).json()["id"])
    async with api.runtime.db.sessions() as session:
        rows = [r for r in await Deliveries(session, "partner-a").recent(200) if run["id"].replace("-", "") in r.id]
    assert len(rows) == 1 and rows[0].url == "https://hooks.partner-a.example/rating"
    import msgspec

    body = msgspec.json.decode(rows[0].body)
    assert (body["tenant"], body["id"], body["type"]) == ("partner-a", rows[0].id, "scoring_run.completed")
    data = body["data"]
    assert (data["run_id"], data["period"], data["checksum"]) == (run["id"], PERIOD, run["checksum"])
    assert data["counts"]["written"] >= 6 and data["tier_changes"]["count"] == len(data["tier_changes"]["drivers"])
    changed = {d["driver_id"] for d in data["tier_changes"]["drivers"]}
    assert changed and changed <= {d for d in drivers}


def raw_trace(driver: str, trip_id: str) -> dict[str, Any]:
    """60 s at 20 m/s with one 3-sample harsh-braking episode: one event, 1,200 m."""
    samples = []
    for i in range(61):
        samples.append({"t": f"2026-10-05T08:{i // 60:02d}:{i % 60:02d}+00:00", "lat": 30.0, "lon": -97.0,
                        "speed_mps": 20.0, "accel_long_mps2": -5.0 if 10 <= i < 13 else 0.0,
                        "accel_lat_mps2": 0.0, "speed_limit_mps": 25.0})
    return {"driver_id": driver, "trip_id": trip_id, "timezone": "America/Chicago", "samples": samples}


async def test_raw_trace_is_summarised_stored_once_and_malformed_traces_are_422(api: Api) -> None:
    (driver,) = ids(1)
    await add_drivers(api, "partner-a", [driver])
    body = raw_trace(driver, f"{driver}-raw")
    first = await api.client.post("/v1/trips/raw", json=body, headers=api.auth("partner-a"))
    assert first.status_code == 200, first.text
    summary = first.json()["summary"]
    assert (summary["hard_braking_events"], round(summary["miles"], 4)) == (1, round(1200 / 1609.344, 4))
    assert first.json()["duplicate"] is False and first.json()["detector_version"] == "trips-detect-1"
    again = await api.client.post("/v1/trips/raw", json=body, headers=api.auth("partner-a"))
    assert again.json()["duplicate"] is True
    backwards = dict(body, trip_id="back", samples=[body["samples"][1], body["samples"][0]])
    bad = await api.client.post("/v1/trips/raw", json=backwards, headers=api.auth("partner-a"))
    assert bad.status_code == 422 and bad.json()["path"] == "$.samples[1].t"
    zone = await api.client.post("/v1/trips/raw", json=dict(body, timezone="Mars/Olympus"),
                                 headers=api.auth("partner-a"))
    assert zone.status_code == 422 and "timezone" in zone.json()["detail"]
    stranger = await api.client.post("/v1/trips/raw", json=dict(body, driver_id="nobody", trip_id="x"),
                                     headers=api.auth("partner-a"))
    assert stranger.status_code == 422 and stranger.json()["path"] == "$.driver_id"
