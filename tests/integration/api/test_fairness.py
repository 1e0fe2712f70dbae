"""Fairness testing over HTTP on PostgreSQL, on synthetic books with and without a planted disparity.

In one book of partner-a (TX) the drivers with Hispanic surnames in Rio Grande Valley ZIPs drive
15-30 % of their miles late at night (everyone else under 1.5 %), in May and June 2026 (planted); in
another book of other drivers, scored in March and April, nobody does (clean). The June report must
find the multiplier gap and name late-night miles as its driver, with May in its trend; April's must
raise no flag; the figures must agree with an independent pandas/statsmodels computation from the
stored rows. Only partner-a's driver count grows here (later modules count partner-b's and fleet-co's).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import pytest
import yaml
from sqlalchemy import text
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from saas.fairness.census import GROUPS
from saas.quote.examples import EXAMPLE_QUOTE
from saas.settings import ROOT
from tests.fairness_data import BookDriver, drivers, month, proxies_csv
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration
TENANT = "partner-a"
MONTHS, CLEAN_MONTHS = ("2026-05", "2026-06"), ("2026-03", "2026-04")
PERIOD = MONTHS[-1]
TERMINAL = {"completed", "completed_with_failures", "failed"}


@dataclass
class Book:
    drivers: list[BookDriver]
    report: dict[str, Any]
    clean: dict[str, Any]


async def call(api: Api, method: str, path: str, role: str = "compliance", tenant: str = TENANT,
               **kwargs: Any) -> Any:
    return await api.client.request(method, path, headers=api.auth(tenant, role), **kwargs)


async def score_month(api: Api, tenant: str, period: str) -> None:
    started = await call(api, "POST", "/v1/scoring-runs", "admin", tenant, json={"period": period})
    assert started.status_code == 202, started.text
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 300
    while (run := (await call(api, "GET", f"/v1/scoring-runs/{started.json()['id']}", "admin", tenant)).json())[
            "status"] not in TERMINAL:
        assert loop.time() < deadline, f"waited 300 s for the {period} run to finish: {run}"
        await asyncio.sleep(0.2)
    assert run["status"] == "completed", run


async def scored_book(api: Api, tenant: str, planted: str | None,
                      months: tuple[str, str]) -> tuple[list[BookDriver], dict[str, Any]]:
    """Drivers, their proxies, two scored months and the report of the second."""
    people = drivers(f"f{uuid.uuid4().hex[:5]}", {"white": 110, "hispanic": 110, "black": 40})
    for d in people:
        response = await call(api, "PUT", f"/v1/drivers/{d.driver_id}", "rating", tenant,
                              json={"state": "TX", "prior_claim_count": d.prior_claim_count})
        assert response.status_code == 201, response.text
    imported = await call(api, "POST", "/v1/fairness/proxies", tenant=tenant, content=proxies_csv(people))
    assert imported.status_code == 200, imported.text
    assert imported.json()["drivers"] == len(people) and imported.json()["unresolved"] == []
    for seed, period in enumerate(months):
        trips = month(people, period, planted=planted, seed=seed)
        uploaded = await call(api, "POST", "/v1/trips", "rating", tenant, json={"trips": trips})
        assert uploaded.status_code == 200 and not uploaded.json().get("errors"), uploaded.text
        await score_month(api, tenant, period)
    created = await call(api, "POST", "/v1/fairness/reports", tenant=tenant, json={"period": months[-1]})
    assert created.status_code == 201, created.text
    return people, created.json()


@pytest.fixture(scope="module")
async def book(api: Api) -> Book:
    people, report = await scored_book(api, TENANT, "hispanic", MONTHS)
    _, clean = await scored_book(api, TENANT, None, CLEAN_MONTHS)  # after: not in the planted report's trend
    return Book(people, report, clean)


def figures(report: dict[str, Any], outcome: str, group: str) -> dict[str, Any]:
    found = next(o for o in report["body"]["outcomes"] if o["outcome"] == outcome)
    return dict(next(g for g in found["groups"] if g["group"] == group))


async def test_the_planted_gap_is_found_and_late_night_miles_named_its_driver(book: Book) -> None:
    report = book.report["body"]
    hispanic = figures(book.report, "multiplier", "hispanic")
    assert hispanic["ratio"] > 1.05 and hispanic["p_t"] < 0.05
    assert any(f["group"] == "hispanic" and f["outcome"] == "multiplier" and f["kind"] == "gap"
               for f in report["flags"]), report["flags"]
    drivers = [d for d in report["drivers"] if d["group"] == "hispanic"]
    main = max(drivers, key=lambda d: abs(d["contribution_gap"]))
    assert main["input"] == "late_night_miles_per_100mi" and main["share"] > 0.5, drivers
    assert main["gap_change"] < 0 and abs(main["multiplier_gap_without"]) < abs(hispanic["ratio"] - 1)
    controlled = {r["controls"]: r for r in next(o for o in report["outcomes"] if o["outcome"] == "multiplier")[
        "regression"] if r["group"] == "hispanic"}
    assert controlled["none"]["gap"] > 0.05 and controlled["none"]["p"] < 0.05
    third = controlled["rating_and_telematics"]  # linear controls only partly absorb the model's step in late
    assert third["gap_low"] < third["gap"] < third["gap_high"]  # night miles; the drivers below are exact
    assert abs(main["multiplier_gap_without"]) < (hispanic["ratio"] - 1) / 2
    assert report["provenance"]["coverage"] == pytest.approx(
        len(book.drivers) / report["provenance"]["drivers"]) and report["provenance"]["with_proxy"] == len(book.drivers)
    assert [m["period"] for m in report["months"]] == [MONTHS[0]]
    assert any(f["group"] == "hispanic" for f in report["months"][0]["flags"])


async def test_the_clean_book_raises_no_flag(book: Book) -> None:
    report = book.clean["body"]
    assert report["flags"] == [], report["flags"]
    assert abs(figures(book.clean, "multiplier", "hispanic")["ratio"] - 1) < 0.05


async def test_figures_agree_with_an_independent_computation(api: Api, book: Book) -> None:
    ids = [d.driver_id for d in book.drivers]
    async with api.owner.sessions() as session:
        proxies = pd.DataFrame((await session.execute(text(
            "SELECT driver_id, " + ", ".join(f"p_{g}" for g in GROUPS) + " FROM fairness_proxies "
            "WHERE tenant_id = :t AND driver_id = ANY(:ids)"), {"t": TENANT, "ids": ids})).all(),
            columns=["driver_id", *(f"p_{g}" for g in GROUPS)])
        scores = pd.DataFrame((await session.execute(text(
            "SELECT driver_id, multiplier::float8 FROM driver_scores WHERE tenant_id = :t AND period = :p"),
            {"t": TENANT, "p": PERIOD})).all(), columns=["driver_id", "multiplier"])
    frame = scores.merge(proxies, on="driver_id")

    def described(group: str, column: str) -> DescrStatsW:
        p = frame[f"p_{group}"].to_numpy()
        return DescrStatsW(frame[column].to_numpy(), weights=p * (p.sum() / (p * p).sum()), ddof=1)

    for group in ("hispanic", "black"):
        got = figures(book.report, "multiplier", group)
        g, w = described(group, "multiplier"), described("white", "multiplier")
        t, p_t, _ = CompareMeans(g, w).ttest_ind(usevar="unequal")
        assert got["mean"] == pytest.approx(g.mean, abs=1e-6) and got["ratio"] == pytest.approx(g.mean / w.mean,
                                                                                               abs=1e-6)
        assert got["smd"] == pytest.approx((g.mean - w.mean) / np.sqrt((g.var + w.var) / 2), abs=1e-6)
        assert (got["t"], got["p_t"]) == pytest.approx((t, p_t), abs=1e-6)
        assert got["n"] == pytest.approx(frame[f"p_{group}"].sum(), abs=1e-6)
    surcharged = figures(book.report, "surcharged", "hispanic")
    frame["surcharged"] = (frame.multiplier > 1).astype(float)
    a_h, a_w = described("hispanic", "surcharged").mean, described("white", "surcharged").mean
    assert surcharged["air"] == pytest.approx((1 - a_h) / (1 - a_w), abs=1e-6)


async def test_reports_are_stored_chained_listed_and_rendered(api: Api, book: Book) -> None:
    report = book.report
    listed = (await call(api, "GET", "/v1/fairness/reports")).json()["reports"]
    assert report["id"] in [r["id"] for r in listed]
    again = (await call(api, "GET", f"/v1/fairness/reports/{report['id']}")).json()
    assert again == report
    async with api.owner.sessions() as session:
        chained = (await session.execute(text(
            "SELECT payload FROM audit_entries WHERE tenant_id = :t AND kind = 'fairness_report'"),
            {"t": TENANT})).scalars().all()
    assert any(f'"hash":"{report["hash"]}"' in payload for payload in chained)
    csv = await call(api, "GET", f"/v1/fairness/reports/{report['id']}?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "scope,outcome,group,figure,value,upper"
    assert f"period:{PERIOD},multiplier,hispanic,ratio," in csv.text
    page = await call(api, "GET", f"/v1/fairness/reports/{report['id']}?format=html")
    assert page.status_code == 200 and page.text.count("<svg") >= 3 and "late_night_miles_per_100mi" in page.text


async def test_only_compliance_keys_and_only_their_tenant(api: Api, book: Book) -> None:
    report_id = book.report["id"]
    for role in ("admin", "rating", "approver"):
        for method, path in (("GET", f"/v1/fairness/reports/{report_id}"), ("POST", "/v1/fairness/proxies"),
                             ("GET", "/v1/fairness/reports"),
                             ("DELETE", f"/v1/fairness/proxies/{book.drivers[0].driver_id}")):
            assert (await call(api, method, path, role, content=b"x")).status_code == 403
    foreign = await call(api, "GET", f"/v1/fairness/reports/{report_id}", tenant="fleet-co")
    assert foreign.status_code == 404 and foreign.json()["type"] == "not-found"
    assert (await call(api, "GET", f"/v1/fairness/reports/{uuid.uuid4()}", tenant="fleet-co")).status_code == 404
    assert (await call(api, "DELETE", f"/v1/fairness/proxies/{book.drivers[0].driver_id}",
                       tenant="fleet-co")).status_code == 404


async def proxy_rows(api: Api, tenant: str = TENANT) -> int:
    async with api.owner.sessions() as session:
        return int((await session.execute(text("SELECT count(*) FROM fairness_proxies WHERE tenant_id = :t"),
                                          {"t": tenant})).scalar_one())


@pytest.mark.parametrize(("body", "path", "needle"), [
    (b"driver_id,surname\nx1,Garcia\n", "line 1", "missing column 'zip'"),
    (b"driver_id,surname,zip,ssn\n", "line 1", "unknown column 'ssn'"),
    (b"driver_id,surname,zip\n", "line 2", "no drivers"),
    ("driver_id,surname,zip\nx1,Garc\xeda,78501\n".encode("latin-1"), "$", "not UTF-8"),
])
async def test_a_malformed_file_is_refused_whole(api: Api, book: Book, body: bytes, path: str, needle: str) -> None:
    before = await proxy_rows(api)
    response = await call(api, "POST", "/v1/fairness/proxies", content=body)
    assert response.status_code == 422 and response.json()["type"] == "validation-error", response.text
    assert response.json()["path"] == path and needle in response.json()["detail"]
    assert await proxy_rows(api) == before


async def test_bad_rows_are_listed_each_and_nothing_is_imported(api: Api, book: Book) -> None:
    first, second = book.drivers[0].driver_id, book.drivers[1].driver_id
    before = await proxy_rows(api)
    body = (f"driver_id,surname,first_name,zip\n{first},Garcia,,7850\n{second},Lopez,Ana,78041\n"
            f"{second},Lopez,Ana,78041\n{first},,,78501\nbad id!,Smith,,53012\nshort,row\n").encode()
    response = await call(api, "POST", "/v1/fairness/proxies", content=body)
    assert response.status_code == 422, response.text
    errors = {(e["path"], e["detail"].split(" ")[0]) for e in response.json()["errors"]}
    assert errors >= {("line 2: zip", "'7850'"), ("line 4: driver_id", "driver"), ("line 5: surname", "a"),
                      ("line 6: driver_id", "a"), ("line 7", "2")}, errors
    unknown = await call(api, "POST", "/v1/fairness/proxies",
                         content=f"driver_id,surname,zip\n{first},Garcia,78501\nnobody-here,Lopez,78041\n".encode())
    assert unknown.status_code == 422 and unknown.json()["errors"] == [
        {"path": "line 3: driver_id", "detail": "no driver nobody-here in this tenant"}]
    too_big = await call(api, "POST", "/v1/fairness/proxies", content=b"driver_id,surname,zip\n" + b"x" * 26_300_000)
    assert too_big.status_code == 413 and too_big.headers["content-type"].startswith("application/problem+json")
    assert await proxy_rows(api) == before


async def test_a_deleted_proxy_leaves_every_later_report(api: Api, book: Book) -> None:
    gone = next(d for d in book.drivers if d.group == "black").driver_id
    assert (await call(api, "DELETE", f"/v1/fairness/proxies/{gone}")).status_code == 204
    assert (await call(api, "DELETE", f"/v1/fairness/proxies/{gone}")).status_code == 404
    later = await call(api, "POST", "/v1/fairness/reports", json={"period": PERIOD})
    assert later.status_code == 201
    assert later.json()["body"]["provenance"]["with_proxy"] == book.report["body"]["provenance"]["with_proxy"] - 1
    async with api.owner.sessions() as session:
        entries = (await session.execute(text(
            "SELECT payload FROM audit_entries WHERE tenant_id = :t AND kind = 'fairness_proxy_deleted'"),
            {"t": TENANT})).scalars().all()
    assert any(gone in payload for payload in entries)


def scenario(d: BookDriver) -> dict[str, Any]:
    quote = copy.deepcopy(EXAMPLE_QUOTE)
    quote.pop("telematics")
    quote["policy"].update(state="TX", zip_code=d.zip, effective_date=str(dt.date.today()))
    return {"scenario_id": d.driver_id, "quote": quote | {"reference": d.driver_id}}


async def test_a_rate_change_that_opens_a_gap_waits_for_a_compliance_signoff(api: Api, book: Book) -> None:
    """A new territory for the Rio Grande Valley ZIPs raises only the Hispanic drivers' premiums."""
    table = yaml.safe_load((ROOT / "tenants" / TENANT / "rates" / "TX-auto.yaml").read_text())
    table["effective_date"] = str(table["effective_date"])
    table["territories"]["areas"].append({"code": "TX-RGV", "factor": 1.35, "zips": ["785", "780"]})
    drafted = await call(api, "POST", "/v1/rate-versions", "admin", json={"table": table, "message": "RGV area"})
    assert drafted.status_code == 201, drafted.text
    version = drafted.json()["id"]
    people = [d for d in book.drivers if d.group in ("white", "hispanic")]
    tested = await call(api, "POST", f"/v1/rate-versions/{version}/test", "admin",
                        json={"scenarios": [scenario(d) for d in people]})
    assert tested.status_code == 200, tested.text
    gate = (await call(api, "GET", f"/v1/rate-versions/{version}/fairness")).json()
    assert gate["result"]["blocked"] and not gate["signed_off"]
    assert {(c["outcome"], c["group"], c["change"]) for c in gate["result"]["changes"]} == {
        ("premium", "hispanic", "crossed")}
    assert gate["result"]["flags_before"] == [] and gate["result"]["drivers"] == len(people) - 0
    assert (await call(api, "POST", f"/v1/rate-versions/{version}/approve", "approver")).status_code == 200
    deploy = {"effective_date": "2031-03-17"}
    refused = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", "admin", json=deploy)
    assert refused.status_code == 409 and "fairness" in refused.json()["detail"], refused.text
    for role in ("admin", "approver"):
        assert (await call(api, "POST", f"/v1/rate-versions/{version}/fairness-signoff", role,
                           json={"reason": "x"})).status_code == 403
    signed = await call(api, "POST", f"/v1/rate-versions/{version}/fairness-signoff",
                        json={"reason": "RGV loss costs filed and supported; reviewed with counsel"})
    assert signed.status_code == 201 and signed.json()["gate_hash"] == gate["hash"], signed.text
    deployed = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", "admin", json=deploy)
    assert deployed.status_code == 200, deployed.text
    async with api.owner.sessions() as session:
        payloads = (await session.execute(text(
            "SELECT payload FROM audit_entries WHERE tenant_id = :t AND kind = 'fairness_signoff'"),
            {"t": TENANT})).scalars().all()
    assert any(gate["hash"] in p and "crossed" in p and "counsel" in p for p in payloads)


async def quote_drivers(api: Api, people: list[BookDriver]) -> None:
    """Each driver quoted once, the driver id as the quote's reference (how quotes meet proxies)."""
    for d in people:
        body = scenario(d)["quote"] | {"telematics": EXAMPLE_QUOTE["telematics"]}
        quoted = await call(api, "POST", "/v1/quotes?explain=false", "rating", json=body)
        assert quoted.status_code == 201, quoted.text


async def test_a_report_over_recorded_quotes_matches_them_by_reference(api: Api, book: Book) -> None:
    people = [d for d in book.drivers if d.group in ("white", "hispanic")][::2]
    await quote_drivers(api, people)
    report = await call(api, "POST", "/v1/fairness/reports", json={"quotes_since": str(dt.date.today())})
    assert report.status_code == 201, report.text
    body = report.json()["body"]
    assert body["scope"] == f"quotes_since:{dt.date.today()}" and body["provenance"]["with_proxy"] >= len(people)
    premium = next(o for o in body["outcomes"] if o["outcome"] == "premium")
    hispanic = next(g for g in premium["groups"] if g["group"] == "hispanic")
    assert hispanic["ratio"] == pytest.approx(1.0, abs=1e-9)  # the same quote, only the name and ZIP differ
    assert {r["controls"] for r in premium["regression"]} == {"none", "rating_factors", "rating_and_telematics"}
    empty = await call(api, "POST", "/v1/fairness/reports", tenant="fleet-co", json={"quotes_since": "2026-01-01"})
    assert empty.status_code == 409 and "no proxies" in empty.json()["detail"]
    both = await call(api, "POST", "/v1/fairness/reports", json={"period": PERIOD, "quotes_since": "2026-01-01"})
    assert both.status_code == 422 and both.json()["type"] == "validation-error"


async def test_a_configuration_that_widens_the_gap_waits_for_a_compliance_signoff(api: Api, book: Book) -> None:
    """A wider target spread stretches every multiplier, so the planted group's flagged gap grows.
    (Not deployed after the sign-off: partner-a's configuration in force is every later module's.)"""
    shipped = (ROOT / "tenants" / f"{TENANT}.yaml").read_text()
    wider = shipped.replace("target_spread: 0.30", "target_spread: 0.45")
    assert wider != shipped
    await quote_drivers(api, [d for d in book.drivers if d.group in ("white", "hispanic")][1::4])
    drafted = await call(api, "POST", "/v1/config-versions", "admin", json={"yaml": wider, "message": "spread"})
    assert drafted.status_code == 201, drafted.text
    version = drafted.json()["id"]
    tested = await call(api, "POST", f"/v1/config-versions/{version}/test", "admin", json={})
    assert tested.status_code == 200, tested.text
    assert any("compliance sign-off" in note for note in tested.json()["result"]["notes"]), tested.json()
    gate = (await call(api, "GET", f"/v1/config-versions/{version}/fairness", "approver")).json()
    changes = {(c["outcome"], c["group"], c["change"]) for c in gate["result"]["changes"]}
    assert ("multiplier", "hispanic", "widened") in changes, gate["result"]["changes"]
    assert {o["outcome"] for o in gate["result"]["after"]} == {"multiplier", "surcharged", "safety_score",
                                                               "premium"}  # premium: recorded quotes by reference
    widened = next(c for c in gate["result"]["changes"] if c["outcome"] == "multiplier")
    assert widened["after"] > widened["before"] > 0.05
    assert (await call(api, "POST", f"/v1/config-versions/{version}/approve", "approver")).status_code == 200
    refused = await call(api, "POST", f"/v1/config-versions/{version}/deploy", "admin",
                         json={"effective_date": "2031-03-18"})
    assert refused.status_code == 409 and "fairness" in refused.json()["detail"], refused.text
    signed = await call(api, "POST", f"/v1/config-versions/{version}/fairness-signoff",
                        json={"reason": "the wider spread follows the filed loss study"})
    assert signed.status_code == 201 and signed.json()["subject"] == f"tenant_config:{version}"
    again = (await call(api, "GET", f"/v1/config-versions/{version}/fairness")).json()
    assert again["signed_off"] and again["signoff_id"] == signed.json()["id"]
    twice = await call(api, "POST", f"/v1/config-versions/{'0' * 64}/fairness-signoff", json={"reason": "x"})
    assert twice.status_code == 404


def saas(api: Api, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAAS_DATABASE_URL": api.runtime.settings.database_url}
    return subprocess.run([sys.executable, "-m", "saas.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


async def test_the_cli_imports_proxies_and_writes_a_report(api: Api, book: Book, tmp_path: Path) -> None:
    upload = tmp_path / "proxies.csv"
    upload.write_bytes(proxies_csv(book.drivers[:5]))
    done = saas(api, "fairness", "proxies", "import", str(upload), "--tenant", TENANT, "--actor", "ana")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["drivers"] == 5
    out = tmp_path / "report.csv"
    done = saas(api, "fairness", "report", "--tenant", TENANT, "--period", PERIOD, "--format", "csv",
                "--output", str(out), "--actor", "ana")
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("scope,outcome,group,figure,value,upper\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"driver_id,surname,zip\n{book.drivers[0].driver_id},Olson,5600\n")
    refused = saas(api, "fairness", "proxies", "import", str(bad), "--tenant", TENANT)
    assert refused.returncode == 1 and "error: '5600' is not a ZIP code" in refused.stderr, refused.stderr
    async with api.owner.sessions() as session:
        actors = (await session.execute(text(
            "SELECT payload FROM audit_entries WHERE tenant_id = :t AND kind = 'fairness_report'"),
            {"t": TENANT})).scalars().all()
    assert any('"actor":"ana"' in p for p in actors)


async def test_the_months_compliance_bundle_carries_its_fairness_report(api: Api, book: Book, tmp_path: Path) -> None:
    import zipfile

    from saas.compliance.verify import verify_bundle

    response = await api.client.get(f"/v1/compliance/bundle?period={PERIOD}", headers=api.auth(TENANT, "compliance"))
    assert response.status_code == 200, response.text
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.content)
    assert verify_bundle(path).ok
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        report = book.report["id"]
        assert {f"fairness/{report}.json", f"fairness/{report}.csv", f"fairness/{report}.html"} <= names
        assert "fairness/none.json" not in names
        assert msgspec.json.decode(archive.read(f"fairness/{report}.json"))["hash"] == book.report["hash"]
