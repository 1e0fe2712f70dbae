"""The console in a real Chromium against a real server: sign-in, the rate-table workflow with four eyes,
the live playground, compliance, CSRF, tenant isolation, revocation, runs, and the pages' accessibility.

Every wait is for a condition on the page (Playwright's expect, bounded generously), never a sleep.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from saas.compliance.verify import verify_bundle
from saas.quote.examples import EXAMPLE_QUOTE
from saas.trips.demo_data import demo_drivers
from tests.fairness_data import NAMES
from tests.integration.api.test_adverse_actions import RISKY
from tests.integration.console.conftest import Console, this_month

pytestmark = pytest.mark.integration
WAIT_MS = 30_000
"""The bound on any wait for the page to show something (a slow, shared machine still gets there)."""
WIDTHS = (1280, 390)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def sign_in(browser: Any, console: Console, key: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=console.url)
    page = context.new_page()
    page.goto("/console/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console$"), timeout=WAIT_MS)
    return page


def shoot(page: Any, console: Console, name: str) -> None:
    """A full-page screenshot at each width (the page is put back at its own width afterwards)."""
    size = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(console.screens / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def csrf(page: Any) -> str:
    return page.locator('input[name="csrf_token"]').first.input_value()


def premium(page: Any) -> Decimal:
    return Decimal(page.locator("#premium").inner_text().replace("$", "").replace(",", ""))


def test_rate_table_flow_from_a_typo_to_a_live_price(browser: Any, console: Console) -> None:
    admin = sign_in(browser, console, console.key("admin"))
    shoot(admin, console, "overview")
    playground = sign_in(browser, console, console.key("rating"))
    playground.goto("/console/playground")
    expect(playground.locator("#premium")).to_be_visible(timeout=WAIT_MS)
    expect(playground.locator("#result")).to_contain_text("priced, not recorded")
    standard = playground.locator("#premium").inner_text()
    playground.get_by_label("Coverage level").select_option("premium")
    expect(playground.locator("#premium")).not_to_have_text(standard, timeout=WAIT_MS)  # answered over the socket
    before = premium(playground)

    admin.goto("/console/rates/new?state=TX")
    editor = admin.get_by_label("Rate table (YAML)")
    original = editor.input_value()
    assert "premium: 876.00" in original
    editor.fill(original.replace("factor: 1.12", "facter: 1.12", 1))
    admin.get_by_label("Why this change").fill("Premium coverage up 10%")
    admin.get_by_role("button", name="Save draft").click()
    problems = admin.locator("ol.errors")
    expect(problems).to_contain_text("unknown field 'facter'", timeout=WAIT_MS)
    expect(problems).to_contain_text("did you mean 'factor'?")
    typo_line = next(i for i, line in enumerate(original.splitlines(), 1) if "factor: 1.12" in line)
    expect(problems).to_contain_text(f"line {typo_line}, column")
    shoot(admin, console, "rate-editor-errors")

    admin.get_by_label("Rate table (YAML)").fill(original.replace("premium: 876.00", "premium: 963.60", 1))
    admin.get_by_role("button", name="Save draft").click()
    expect(admin.locator("h1")).to_contain_text("draft", timeout=WAIT_MS)
    version_url = admin.url
    expect(admin.locator(".waiting")).to_contain_text("Waiting for another approver")
    expect(admin.get_by_role("button", name="Approve")).to_have_count(0)
    expect(admin.locator("#diff-h + table")).to_contain_text("base_premium.premium")

    admin.get_by_role("button", name="Impact test on a sample book").click()
    chart = admin.locator("#impact .chart svg")
    expect(chart).to_be_visible(timeout=WAIT_MS)
    assert "Policies by premium change" in chart.inner_html() and "Premium change (USD)" in chart.inner_html()
    shoot(admin, console, "rate-version-impact")
    forged = admin.request.post(version_url + "/approve", form={"csrf_token": csrf(admin)})
    assert forged.status == 403, forged.text()
    assert "may not" in forged.text()

    approver = sign_in(browser, console, console.key("approver"))
    approver.goto(version_url)
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator("h1 .badge")).to_have_text("approved", timeout=WAIT_MS)
    admin.goto(version_url)
    admin.get_by_role("button", name="Deploy").click()
    expect(admin.locator("h1 .badge")).to_have_text("deployed", timeout=WAIT_MS)

    playground.get_by_label("Driver age (years)").fill("39")
    expect(playground.locator("#premium")).not_to_have_text(f"${before:,.2f}", timeout=WAIT_MS)
    after = premium(playground)
    assert after > before, (before, after)
    shoot(playground, console, "playground")
    for page in (admin, approver, playground):
        page.context.close()


def test_configuration_flow_from_a_typo_to_a_live_price(browser: Any, console: Console) -> None:
    playground = sign_in(browser, console, console.key("rating"))
    playground.goto("/console/playground")
    playground.get_by_role("button", name="Record this quote").click()  # a recorded quote for the impact test
    expect(playground.locator(".notice")).to_contain_text("Recorded", timeout=WAIT_MS)
    playground.goto("/console/playground")
    expect(playground.locator("#premium")).to_be_visible(timeout=WAIT_MS)
    before = playground.locator("#premium").inner_text()

    admin = sign_in(browser, console, console.key("admin"))
    admin.goto("/console/config/new")
    editor = admin.get_by_label("Configuration (YAML")
    original = editor.input_value()
    assert "target_spread: 0.30" in original and "# Partner A Mutual" in original  # the file, comments and all
    editor.fill(original.replace("target_spread: 0.30", "target_sprad: 0.60", 1))
    admin.get_by_label("Why this change").fill("Steeper telematics pricing")
    admin.get_by_role("button", name="Save draft").click()
    problems = admin.locator("ol.errors")
    typo_line = next(i for i, line in enumerate(original.splitlines(), 1) if "target_spread: 0.30" in line)
    expect(problems).to_contain_text(f"line {typo_line}, column 3: unknown key 'target_sprad'", timeout=WAIT_MS)
    expect(problems).to_contain_text("did you mean 'target_spread'?")
    shoot(admin, console, "config-editor-errors")

    admin.get_by_label("Configuration (YAML").fill(original.replace("target_spread: 0.30", "target_spread: 0.60", 1))
    admin.get_by_role("button", name="Save draft").click()
    expect(admin.locator("h1 .badge")).to_have_text("draft", timeout=WAIT_MS)
    version_url = admin.url
    expect(admin.locator("#changes")).to_contain_text("pricing.target_spread 0.30 → 0.60")
    expect(admin.locator(".waiting")).to_contain_text("Waiting for another approver")
    expect(admin.get_by_role("button", name="Approve")).to_have_count(0)
    admin.get_by_role("button", name="Run the impact test").click()
    for chart in ("#premium-chart svg", "#multiplier-chart svg", "#migration-chart svg"):
        expect(admin.locator(chart)).to_be_visible(timeout=WAIT_MS)
    assert "Tier migration" in admin.locator("#migration-chart").inner_html()
    premium = admin.locator("#premium-chart svg")  # its two panels get a row of their own: drawn at full size
    drawn, natural = premium.bounding_box(), float(premium.get_attribute("width") or 0)
    assert drawn is not None and natural > 0 and drawn["width"] >= 0.98 * natural, (drawn, natural)
    expect(admin.locator("#impact table tbody tr").first).to_be_visible()  # the largest movers
    shoot(admin, console, "config-version-impact")
    forged = admin.request.post(version_url + "/approve", form={"csrf_token": csrf(admin)})
    assert forged.status == 403, forged.text()

    approver = sign_in(browser, console, console.key("approver"))
    approver.goto(version_url)
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator("h1 .badge")).to_have_text("approved", timeout=WAIT_MS)
    admin.goto(version_url)
    admin.get_by_role("button", name="Deploy").click()
    expect(admin.locator("h1 .badge")).to_have_text("deployed", timeout=WAIT_MS)

    playground.get_by_label("Hard braking (events per 100 mi)").fill("1.5")  # unchanged value, a new message
    expect(playground.locator("#premium")).not_to_have_text(before, timeout=WAIT_MS)
    for page in (admin, approver, playground):
        page.context.close()


def test_compliance_reads_the_audit_trail_but_cannot_deploy(browser: Any, console: Console, tmp_path: Any) -> None:
    rating = sign_in(browser, console, console.key("rating"))
    rating.goto("/console/playground")
    expect(rating.locator("#premium")).to_be_visible(timeout=WAIT_MS)
    rating.get_by_role("button", name="Record this quote").click()
    expect(rating.locator(".notice")).to_contain_text("Recorded", timeout=WAIT_MS)
    decision_id = rating.url.split("/decisions/")[1].split("?")[0]
    rating.context.close()

    page = sign_in(browser, console, console.key("compliance"))
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Compliance")).to_be_visible()
    expect(nav.get_by_role("link", name="Quote playground")).to_have_count(0)
    page.goto("/console/compliance")
    page.get_by_role("button", name="Verify the trail in the database").click()
    expect(page.locator("#result-h")).to_contain_text("Verified", timeout=WAIT_MS)
    shoot(page, console, "compliance")

    export = page.request.get("/console/compliance/export?fmt=jsonl")
    assert export.status == 200 and decision_id in export.text()
    good, bad = tmp_path / "audit.jsonl", tmp_path / "tampered.jsonl"
    good.write_bytes(export.body())
    bad.write_text(export.text().replace(decision_id, decision_id[:-1] + ("0" if decision_id[-1] != "0" else "1")))
    for path, verdict in ((good, "Verified"), (bad, "Does not verify")):
        page.get_by_label("Exported audit file").set_input_files(str(path))
        page.get_by_role("button", name="Verify file").click()
        expect(page.locator("#result-h")).to_contain_text(verdict, timeout=WAIT_MS)

    page.get_by_label("Decision id").fill(decision_id)
    page.get_by_role("button", name="Look up").click()
    page.get_by_role("button", name="Replay from the pinned versions").click()
    expect(page.locator("#replay-h")).to_contain_text("identical", timeout=WAIT_MS)
    shoot(page, console, "decision-replay")

    page.goto("/console/rates")
    page.locator("a.mono").first.click()
    expect(page.locator("h1")).to_contain_text("rate table", timeout=WAIT_MS)
    for button in ("Deploy", "Approve", "Reject", "Impact test on a sample book"):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    forged = page.request.post(page.url + "/deploy", form={"csrf_token": csrf(page)})
    assert forged.status == 403, forged.text()
    page.context.close()


def test_a_post_without_its_csrf_token_is_refused(browser: Any, console: Console) -> None:
    page = sign_in(browser, console, console.key("admin"))
    refused = page.request.post("/console/rates/rollback", form={"state": "TX"})
    assert refused.status == 403 and "CSRF" in refused.text()
    wrong = page.request.post("/console/rates/rollback", form={"state": "TX", "csrf_token": "not-the-token"})
    assert wrong.status == 403
    page.context.close()


def test_another_tenants_url_is_a_404(browser: Any, console: Console) -> None:
    page = sign_in(browser, console, console.key("admin"))
    page.goto("/console/rates")
    version_url = page.locator("a.mono").first.get_attribute("href")
    page.goto("/console/runs")
    run_url = page.locator("#runs-h + table a").first.get_attribute("href")
    page.context.close()
    other = sign_in(browser, console, console.key("admin", tenant="partner-b"))
    for url in (version_url, run_url, "/console/drivers/demo-0001"):
        response = other.goto(url)
        assert response is not None and response.status == 404, url
        expect(other.locator("h1")).to_contain_text("Not found")
    unknown = other.goto("/console/rates/versions/" + "0" * 64)
    assert unknown is not None and unknown.status == 404
    other.context.close()


def test_a_revoked_key_ends_its_session(browser: Any, console: Console) -> None:
    key_id, key = console.new_key("rating", "soon revoked")
    page = sign_in(browser, console, key)
    page.goto("/console/playground")
    expect(page.locator("#premium")).to_be_visible(timeout=WAIT_MS)
    console.revoke(key_id)
    page.get_by_label("Driver age (years)").fill("45")
    expect(page.locator("#result")).to_contain_text("revoked", timeout=WAIT_MS)
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in"), timeout=WAIT_MS)
    page.context.close()


def test_a_run_started_in_the_console_shows_progress_then_its_month(browser: Any, console: Console) -> None:
    page = sign_in(browser, console, console.key("admin"))
    page.goto("/console/runs")
    page.get_by_label("Month (YYYY-MM)").fill(console.periods[1])
    page.get_by_role("button", name="Start the monthly run").click()
    expect(page.get_by_role("progressbar", name="Run progress")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#progress .badge")).to_have_text("completed", timeout=120_000)
    expect(page.locator("#rec-h + p")).to_contain_text("missing 0", timeout=WAIT_MS)
    distributions = page.locator("#dist-h")
    expect(distributions).to_contain_text(f"{console.periods[1]} against {console.periods[0]}")
    charts = page.locator("section:has(#dist-h) .chart svg")
    expect(charts).to_have_count(3)
    assert console.periods[0] in charts.nth(1).inner_html() and console.periods[1] in charts.nth(1).inner_html()
    expect(page.locator("#drift-h")).to_be_visible()
    shoot(page, console, "run")
    page.goto("/console/drivers?prefix=demo-000")
    page.get_by_role("link", name="demo-0002").click()
    expect(page.locator("#history-h + table tbody tr")).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator(".chart svg")).to_be_visible()
    shoot(page, console, "driver")
    page.context.close()


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.innerText || '').trim())
  .map(e => e.outerHTML.slice(0, 120))"""
PAGES = ("/console", "/console/config", "/console/config/new", "/console/rates", "/console/rates/new?state=CA",
         "/console/playground", "/console/runs",
         "/console/drivers", "/console/compliance", "/console/adverse-actions")


def test_every_page_fits_a_phone_labels_its_controls_and_signs_in_by_keyboard(browser: Any,
                                                                               console: Console) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=console.url)
    page = context.new_page()
    page.goto("/console/sign-in")
    for _ in range(3):  # the field has autofocus; else Tab reaches it after the skip link
        if page.evaluate("document.activeElement.id") == "api_key":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "api_key"
    page.keyboard.type(console.key("admin"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console$"), timeout=WAIT_MS)
    for path in PAGES:
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide at 390"
    context.close()


def _signed_in_client(console: Console, key: str, **headers: str) -> tuple[Any, Any]:
    """An HTTP client signed in through the form (without a browser), and the sign-in response."""
    import httpx

    client = httpx.Client(base_url=console.url, timeout=60, headers=headers)
    form = client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/console/sign-in", data={"csrf_token": token.group(1), "api_key": key})
    assert answer.status_code == 303, answer.text
    return client, answer


def test_cookies_are_http_only_strict_and_secure_behind_tls(console: Console) -> None:
    plain, answer = _signed_in_client(console, console.key("compliance"))
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("saas_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    import httpx

    behind_tls = {"X-Forwarded-Proto": "https"}
    form = httpx.get(f"{console.url}/console/sign-in", headers=behind_tls)
    signin_cookie = form.headers["set-cookie"]
    assert signin_cookie.startswith("saas_console_signin=") and "Secure" in signin_cookie
    token = signin_cookie.split(";")[0].split("=", 1)[1]
    answer = httpx.post(f"{console.url}/console/sign-in",
                        headers={**behind_tls, "Cookie": f"saas_console_signin={token}"},
                        data={"csrf_token": token, "api_key": console.key("compliance")})
    assert answer.status_code == 303, answer.text
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("saas_console="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    plain.close()


def test_the_playground_socket_refuses_another_origin(console: Console) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    client, _ = _signed_in_client(console, console.key("rating"))
    cookie = f"saas_console={client.cookies['saas_console']}"
    uri = console.url.replace("http://", "ws://") + "/console/playground/ws"
    with connect(uri, additional_headers={"Cookie": cookie, "Origin": console.url}) as socket:
        socket.send('{"policy.state": "TX"}')
        assert 'id="result"' in socket.recv(timeout=WAIT_MS / 1000)
    with pytest.raises(InvalidStatus), connect(uri, additional_headers={"Cookie": cookie,
                                                                        "Origin": "http://evil.example"}):
        pass
    with pytest.raises(InvalidStatus), connect(uri, additional_headers={"Origin": console.url}):
        pass  # no session
    client.close()


def fits_a_phone(page: Any) -> None:
    """At 390 px the page scrolls wide tables and charts inside their cards, never the page itself."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert width <= 390, f"{page.url} is {width} px wide at 390"


def _api(console: Console, method: str, path: str, role: str, **kwargs: Any) -> httpx.Response:
    """The public API with a key of partner-a (what a tenant's systems do alongside the console)."""
    headers = {"Authorization": f"Bearer {console.key(role)}"}
    return httpx.request(method, console.url + path, headers=headers, timeout=120, **kwargs)


def _proxies(console: Console) -> None:
    """BISG inputs for partner-a's demo drivers (surnames and ZIPs of three groups, in turn)."""
    people = [p for group in ("white", "hispanic", "black") for p in NAMES[group]]
    rows = [f"{d},{people[i % len(people)][0]},,{people[i % len(people)][1]}"
            for i, (d, _, _) in enumerate(demo_drivers(300, ["CA", "NY", "TX"]))]
    answer = _api(console, "POST", "/v1/fairness/proxies", "compliance",
                  content=("driver_id,surname,first_name,zip\n" + "\n".join(rows) + "\n").encode())
    assert answer.status_code == 200 and answer.json()["drivers"] == 300, answer.text


def test_compliance_makes_and_reads_a_fairness_report(browser: Any, console: Console) -> None:
    _proxies(console)
    page = sign_in(browser, console, console.key("compliance"))
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Fairness").click()
    expect(page.locator("h1")).to_have_text("Fairness", timeout=WAIT_MS)
    page.get_by_label("Month (YYYY-MM)").fill(console.periods[0])
    page.get_by_role("button", name="Make the fairness report").click()
    expect(page.locator("h1")).to_contain_text(f"period:{console.periods[0]}", timeout=WAIT_MS)
    report_id = page.url.rsplit("/", 1)[1]
    stored = _api(console, "GET", f"/v1/fairness/reports/{report_id}", "compliance").json()
    assert stored["body"]["provenance"]["with_proxy"] == 300
    assert page.locator("#flags li").count() == max(len(stored["body"]["flags"]), 1)
    expect(page.locator(".fairness-outcome table").first).to_contain_text("Hispanic")
    assert page.locator(".fairness-outcome svg").count() >= 1  # the ratio charts, as the API's HTML draws them
    shoot(page, console, "fairness-report")
    fits_a_phone(page)
    page.goto("/console/fairness")
    expect(page.locator(f'a[href="/console/fairness/{report_id}"]')).to_have_text(f"period:{console.periods[0]}")
    shoot(page, console, "fairness")
    page.context.close()

    other = sign_in(browser, console, console.key("compliance", tenant="partner-b"))
    response = other.goto(f"/console/fairness/{report_id}")
    assert response is not None and response.status == 404
    other.context.close()


def test_admin_sees_no_fairness_and_a_forged_post_is_refused(browser: Any, console: Console) -> None:
    page = sign_in(browser, console, console.key("admin"))
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Adverse action")).to_be_visible()
    expect(nav.get_by_text("Fairness")).to_have_count(0)
    refused = page.goto("/console/fairness")
    assert refused is not None and refused.status == 403
    expect(page.locator("h1")).to_contain_text("Role not allowed")
    forged = page.request.post("/console/fairness", form={"csrf_token": csrf(page), "period": console.periods[0]})
    assert forged.status == 403, forged.text()
    page.context.close()


def test_compliance_reads_the_register_and_a_notice_and_downloads_the_bundle(browser: Any, console: Console,
                                                                            tmp_path: Path) -> None:
    quote = _api(console, "POST", "/v1/quotes", "rating", json=EXAMPLE_QUOTE | {"telematics": RISKY})
    assert quote.status_code == 201, quote.text
    decision_id = quote.json()["decision_id"]
    api_notice = _api(console, "GET", f"/v1/decisions/{decision_id}/adverse-action", "compliance").json()

    page = sign_in(browser, console, console.key("compliance"))
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Adverse action").click()
    expect(page.locator("h1")).to_have_text(f"Adverse-action register: {this_month()}", timeout=WAIT_MS)
    register = _api(console, "GET", f"/v1/adverse-actions?period={this_month()}", "compliance").json()
    expect(page.locator("#figures")).to_contain_text(str(register["figures"]["notices"]))
    assert page.locator("#entries tbody tr").count() == len(register["entries"]) >= 1
    shoot(page, console, "adverse-actions")
    page.locator(f'a[href="/console/adverse-actions/{decision_id}"]').click()
    expect(page.locator("h1")).to_have_text("Notice of adverse action", timeout=WAIT_MS)
    reasons = page.locator("#reasons li").all_inner_texts()
    assert len(reasons) == len(api_notice["reasons"]) >= 1
    assert reasons[0].startswith(api_notice["reasons"][0]["sentence"])
    shoot(page, console, "notice")
    fits_a_phone(page)

    page.goto("/console/compliance")
    page.get_by_label("Month (YYYY-MM)").fill(this_month())
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the bundle").click()
    path = tmp_path / "bundle.zip"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"compliance-partner-a-{this_month()}.zip"
    check = verify_bundle(path)
    assert check.ok and check.files_checked >= 10 and check.tenant_id == "partner-a", check
    with zipfile.ZipFile(path) as archive:
        assert decision_id in archive.read("adverse-actions/register.json").decode()
        filed = [n for n in archive.namelist() if n.startswith("fairness/") and n != "fairness/none.json"]
    made = [r for r in _api(console, "GET", "/v1/fairness/reports", "compliance").json()["reports"]
            if r["created_at"].startswith(this_month()) or r["scope"] == f"period:{this_month()}"]
    assert len(filed) == 3 * len(made)  # each report as JSON, CSV and HTML
    page.context.close()

    other = sign_in(browser, console, console.key("compliance", tenant="partner-b"))
    response = other.goto(f"/console/adverse-actions/{decision_id}")
    assert response is not None and response.status == 404
    other.context.close()
