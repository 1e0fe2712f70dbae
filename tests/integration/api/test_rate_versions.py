"""The rate-version workflow over HTTP on PostgreSQL: draft → test → approve → deploy → rollback.

partner-b's MI and MA tables are used only here, so deploying them moves no other test's premium.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from saas.rating.routes import EXAMPLE_QUOTE
from saas.settings import ROOT
from saas.tenancy.keys import create_key
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration
TENANT = "partner-b"
TODAY = dt.date.today()


def table(source: str = "MI", **changes: Any) -> dict[str, Any]:
    """The shipped table as JSON, with top-level or dotted changes (``base_premium.standard``)."""
    raw = yaml.safe_load((ROOT / "tenants" / TENANT / "rates" / f"{source}-auto.yaml").read_text())
    raw = {key: (str(value) if isinstance(value, dt.date) else value) for key, value in raw.items()}
    for path, value in changes.items():
        node = raw
        *parents, leaf = path.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(leaf) if isinstance(node, list) else leaf] = value
    return raw


def quote(state: str = "MI", zip_code: str = "48201", on: dt.date = TODAY, **policy: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE_QUOTE)
    body["policy"].update(state=state, zip_code=zip_code, effective_date=str(on), **policy)
    body.pop("telematics")
    return body


async def call(api: Api, method: str, path: str, role: str = "admin", tenant: str = TENANT, **kwargs: Any) -> Any:
    return await api.client.request(method, path, headers=api.auth(tenant, role), **kwargs)


async def price(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await call(api, "POST", "/v1/quotes?explain=false", "rating", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def draft_tested_approved(api: Api, body: dict[str, Any], message: str = "change") -> str:
    drafted = await call(api, "POST", "/v1/rate-versions", json={"table": body, "message": message})
    assert drafted.status_code in (200, 201), drafted.text
    version = drafted.json()["id"]
    state = body["state"]
    zip_code = "48201" if state == "MI" else "02108"
    tested = await call(api, "POST", f"/v1/rate-versions/{version}/test",
                        json={"scenarios": [{"scenario_id": "s1", "quote": quote(state, zip_code)}]})
    assert tested.status_code == 200, tested.text
    approved = await call(api, "POST", f"/v1/rate-versions/{version}/approve", "approver")
    assert approved.status_code == 200, approved.text
    return str(version)


async def row_counts(api: Api) -> tuple[int, ...]:
    async with api.runtime.db.sessions() as session:
        counts = [(await session.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one() for name in
                  ("rate_versions", "rate_version_events", "rate_deployments", "rate_test_runs", "audit_entries")]
    return tuple(counts)


async def test_the_whole_workflow_prices_with_the_new_rates_then_rolls_back(api: Api) -> None:
    before = await price(api, quote())
    old_version = before["versions"]["rate_table"]
    body = table(base_premium__standard=1035.10)
    drafted = await call(api, "POST", "/v1/rate-versions", json={"table": body, "message": "MI +10% base",
                                                                 "filing_reference": "SERFF-PB-2026-11"})
    assert drafted.status_code == 201, drafted.text
    version = drafted.json()
    assert version["status"] == "draft" and version["parent_id"] == old_version
    assert version["author"]["name"] == "test admin"
    reformatted = {key: body[key] for key in reversed(list(body))}
    again = await call(api, "POST", "/v1/rate-versions", json={"table": reformatted, "message": "again"})
    assert again.status_code == 200 and again.json()["id"] == version["id"]

    diff = (await call(api, "GET", f"/v1/rate-versions/{version['id']}/diff", "compliance")).json()
    assert [(c["path"], c["old"], Decimal(c["new"]), Decimal(c["pct_change"])) for c in diff["rates"]] == [
        ("base_premium.standard", "941.00", Decimal("1035.1"), Decimal(10))]
    text_diff = await call(api, "GET", f"/v1/rate-versions/{version['id']}/diff?format=text", "approver")
    assert "base_premium.standard" in text_diff.text and "+10.00%" in text_diff.text

    untested = await call(api, "POST", f"/v1/rate-versions/{version['id']}/approve", "approver")
    assert untested.status_code == 409 and "impact test" in untested.json()["detail"]
    run = await call(api, "POST", f"/v1/rate-versions/{version['id']}/test", "approver",
                     json={"scenarios": [{"scenario_id": "a", "quote": quote()},
                                         {"scenario_id": "b", "quote": quote(zip_code="49503")}]})
    assert run.status_code == 200, run.text
    results = {s["key"]: s for s in run.json()["scenarios"]}
    assert Decimal(results["a"]["old_premium"]) == Decimal(before["premium"])
    pct = Decimal(results["a"]["pct_change"])  # +10 % base; the flat PIP load does not move
    assert Decimal(5) < pct < Decimal(10)
    a = {key: Decimal(results["a"][key]) for key in ("old_premium", "new_premium", "change")}
    assert a["new_premium"] - a["old_premium"] == a["change"]
    impact = run.json()["impact"]
    assert impact["count"] == 2 and [b["count"] for b in impact["bands"]] == [0, 0, 0, 0, 0, 2, 0]
    svg = await call(api, "POST", f"/v1/rate-versions/{version['id']}/test?format=svg", "approver",
                     json={"scenarios": [quote()]})
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text

    approved = await call(api, "POST", f"/v1/rate-versions/{version['id']}/approve", "approver")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    deployed = await call(api, "POST", f"/v1/rate-versions/{version['id']}/deploy", json={})
    assert deployed.status_code == 200 and deployed.json()["status"] == "deployed", deployed.text
    after = await price(api, quote())
    assert after["versions"]["rate_table"] == version["id"]
    assert Decimal(after["premium"]) > Decimal(before["premium"])

    rolled = await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "MI"})
    assert rolled.status_code == 200 and rolled.json()["id"] == old_version, rolled.text
    back = await price(api, quote())
    assert back["versions"]["rate_table"] == old_version and back["premium"] == before["premium"]
    replay = await call(api, "POST", f"/v1/decisions/{after['decision_id']}/replay", "compliance")
    assert replay.json()["identical"] is True and replay.json()["replayed_premium"] == after["premium"]

    detail = (await call(api, "GET", f"/v1/rate-versions/{version['id']}", "compliance")).json()
    assert [e["action"] for e in detail["history"]] == ["draft", "test", "test", "approve", "deploy", "rollback"]
    assert detail["version"]["status"] == "superseded"
    assert all(d["withdrawn_by"] == "test admin" for d in detail["deployments"])
    export = await call(api, "GET", "/v1/audit/export", "compliance")
    actions = [line for line in export.text.splitlines() if f'"version_id":"{version["id"]}"' in line]
    assert len(actions) == 6 and '"actor":"test approver"' in actions[3]
    log = (await call(api, "GET", "/v1/rate-versions?state=MI", "compliance")).json()["versions"]
    assert log[0]["id"] == version["id"] and log[-1]["message"] == "initial import"


async def test_refusals_write_nothing(api: Api) -> None:
    body = table(base_premium__basic=750.00)
    version = (await call(api, "POST", "/v1/rate-versions", json={"table": body, "message": "m"})).json()["id"]
    await call(api, "POST", f"/v1/rate-versions/{version}/test", json={"scenarios": [quote()]})
    async with api.runtime.db.session_scope() as session:
        _, same_person = await create_key(session, TENANT, "approver", "test admin")
    counts = await row_counts(api)
    own = await api.client.post(f"/v1/rate-versions/{version}/approve",
                                headers={"Authorization": f"Bearer {same_person}"})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    draft_deploy = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", json={})
    assert draft_deploy.status_code == 409
    wrong_role = await call(api, "POST", f"/v1/rate-versions/{version}/approve", "admin")
    assert wrong_role.status_code == 403
    foreign = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", tenant="partner-a", json={})
    missing = await call(api, "POST", f"/v1/rate-versions/{'0' * 64}/deploy", tenant="partner-a", json={})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text.replace(version, "0" * 64) == missing.text
    for route in ("", "/diff"):
        theirs = await call(api, "GET", f"/v1/rate-versions/{version}{route}", "compliance", tenant="partner-a")
        assert theirs.status_code == 404 and TENANT not in theirs.text
    no_history = await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "FL"})
    assert no_history.status_code == 409
    past = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", json={"effective_date": "2020-01-01"})
    assert past.status_code == 409  # still a draft: the status is checked first
    assert await row_counts(api) == counts
    rejected = await call(api, "POST", f"/v1/rate-versions/{version}/reject", "approver", json={"reason": "no"})
    assert rejected.json()["status"] == "rejected"
    assert (await call(api, "POST", f"/v1/rate-versions/{version}/deploy", json={})).status_code == 409


@pytest.mark.parametrize(("change", "path"), [
    ({"base_premium": {"basic": 1, "standard": 2}}, "$.table.base_premium.premium"),
    ({"vehicle__type__sedan": 0}, "$.table.vehicle.type.sedan"),
    ({"driver__violations__1__factor": -1.2}, "$.table.driver.violations[1].factor"),
    ({"driver__age_bands__2__from": 27}, "$.table.driver.age_bands[2].from"),
    ({"territories__areas__0__zips": ["48x"]}, "$.table.territories.areas[0].zips[0]"),
    ({"state": "HI"}, "$.table.state"),
    ({"tenant": "partner-a"}, "$.table.tenant"),
])
async def test_invalid_tables_are_422_with_the_path_of_each_problem(api: Api, change: dict[str, Any],
                                                                   path: str) -> None:
    counts = await row_counts(api)
    structural = path not in ("$.table.state", "$.table.tenant")
    body = table(coverages__deductible_credits__1__factor=0, **change) if structural else table(**change)
    response = await call(api, "POST", "/v1/rate-versions", json={"table": body, "message": "bad"})
    assert response.status_code == 422, response.text
    problem = response.json()
    paths = [e["path"] for e in problem.get("errors") or [{"path": problem["path"]}]]
    assert path in paths
    if structural:  # every problem at once, not the first only
        assert "$.table.coverages.deductible_credits[1].factor" in paths
    assert await row_counts(api) == counts


async def test_two_concurrent_deploys_one_wins_the_other_409(api: Api) -> None:
    first = await draft_tested_approved(api, table(base_premium__premium=1200.00), "one")
    second = await draft_tested_approved(api, table(base_premium__premium=1210.00), "two")
    day = str(TODAY + dt.timedelta(days=40))
    responses = await asyncio.gather(*(call(api, "POST", f"/v1/rate-versions/{v}/deploy",
                                            json={"effective_date": day}) for v in (first, second)))
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    async with api.owner.sessions() as session:
        active = (await session.execute(text(
            "SELECT count(*) FROM rate_deployments WHERE tenant_id = 'partner-b' AND state = 'MI' "
            "AND effective_date = :d AND withdrawn_at IS NULL"), {"d": dt.date.fromisoformat(day)})).scalar_one()
    assert active == 2  # one version, for new business and renewals
    rolled = await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "MI"})
    assert rolled.status_code == 200


async def test_scheduled_version_and_renewal_dates(api: Api) -> None:
    new_date, renewal_date = TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=60)
    old = await price(api, quote("MA", "02108", TODAY + dt.timedelta(days=10)))
    version = await draft_tested_approved(api, table("MA", base_premium__standard=999.99), "MA")
    deployed = await call(api, "POST", f"/v1/rate-versions/{version}/deploy",
                          json={"effective_date": str(new_date), "renewal_effective_date": str(renewal_date)})
    assert deployed.status_code == 200, deployed.text
    cases = [(TODAY + dt.timedelta(days=10), "new", old["versions"]["rate_table"]),
             (new_date, "new", version),
             (new_date + dt.timedelta(days=5), "renewal", old["versions"]["rate_table"]),
             (renewal_date, "renewal", version)]
    for on, kind, expected in cases:
        priced = await price(api, quote("MA", "02108", on, transaction=kind))
        assert priced["versions"]["rate_table"] == expected, (on, kind)


async def test_a_deploy_reaches_another_process_by_the_generation_counter(api: Api) -> None:
    """A second DeployedRates (another replica) sees a deploy on its next refresh, not before."""
    from saas.rates.source import DeployedRates

    replica = DeployedRates(api.runtime.db)
    await replica.reload()
    assert await replica.refresh() is False
    version = await draft_tested_approved(api, table(base_premium__basic=760.00), "replica")
    day = TODAY + dt.timedelta(days=90)
    assert (await call(api, "POST", f"/v1/rate-versions/{version}/deploy",
                       json={"effective_date": str(day)})).status_code == 200
    assert replica.table_in_effect(TENANT, "MI", "auto", day).content_hash != version
    assert await replica.refresh() is True
    assert replica.table_in_effect(TENANT, "MI", "auto", day).content_hash == version
    assert (await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "MI"})).status_code == 200
