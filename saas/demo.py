"""The README's main command: an embedded, ready-to-call API with demo keys.

Migrates the SQLite database, creates a rating, compliance, admin and approver key per shipped
tenant (keys are shown only once, so each run makes new ones), and prints a curl command that
returns a real quote and one that lists the rate versions (the shipped tables, imported at start),
then loads last month's generated trips for 300 demo drivers of partner-a and runs the monthly
scoring in-process, printing the run and how to read it. For the console it drafts a pending
rate change for partner-a (Texas, standard coverage +4 %) with its impact test, and prints
one-time sign-in links for partner-a's demo keys.
The catalog is checked first so a broken tenant file fails here, loudly, not on a request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shlex
from decimal import Decimal
from typing import Any

import msgspec

from saas.catalog import load_catalog_or_raise
from saas.console.book import sample_book
from saas.console.sessions import ConsoleSessions
from saas.db import Database, upgrade_schema
from saas.quote.examples import EXAMPLE_QUOTE
from saas.rates.schemas import TestRequest
from saas.runtime import Runtime
from saas.settings import load_settings
from saas.tenancy.keys import authenticate, create_key
from saas.trips.demo_data import demo_month


async def _prepare() -> dict[str, dict[str, str]]:
    settings = load_settings()
    catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
    database = Database(settings.database_url)
    await upgrade_schema(database)
    keys: dict[str, dict[str, str]] = {}
    async with database.session_scope() as session:
        for tenant_id in sorted(catalog.tenants):
            keys[tenant_id] = {}
            for role in ("rating", "compliance", "admin", "approver"):
                _, plaintext = await create_key(session, tenant_id, role, f"demo {role}")
                keys[tenant_id][role] = plaintext
    await database.dispose()
    return keys


def last_month(today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(dt.UTC).date()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


async def _monthly_run(tenant_id: str) -> Any:
    """Last month's trips for a few hundred demo drivers, scored by the in-process job runner."""
    runtime = Runtime.load(load_settings())
    try:
        assert runtime.trips is not None
        states = list(runtime.catalog.tenant(tenant_id).config.states)
        return await demo_month(runtime.trips, tenant_id, states, last_month())
    finally:
        await runtime.close()


DRAFT_STATE = "TX"
DRAFT_CHANGE = Decimal("1.04")


async def _pending_draft(admin_key: str) -> str:
    """A draft waiting for approval, with its impact test on a sample book (what the console shows)."""
    runtime = Runtime.load(load_settings())
    try:
        await runtime.start(watch=False, warm_up=False)
        async with runtime.db.sessions() as session:
            admin = await authenticate(session, admin_key)
        table = runtime.rates.table_in_effect("partner-a", DRAFT_STATE, "auto", dt.date.today(), "new")
        base = table.spec.base_premium
        spec = msgspec.structs.replace(table.spec, base_premium=msgspec.structs.replace(
            base, standard=(base.standard * DRAFT_CHANGE).quantize(Decimal("0.01"))))
        version, _ = await runtime.rate_versions.draft(admin, spec, "Demo: standard coverage +4% in Texas")
        await runtime.rate_versions.test(admin, version.id,
                                         TestRequest(scenarios=sample_book(spec, dt.date.today())))
        return version.id
    finally:
        await runtime.close()


async def _sign_in_links(keys: dict[str, str]) -> dict[str, str]:
    """One-time console sign-in links (each opens a session of that key, once)."""
    database = Database(load_settings().database_url)
    try:
        sessions = ConsoleSessions(database)
        return {role: (await sessions.open(keys[role]))[0] for role in ("admin", "approver", "compliance", "rating")}
    finally:
        await database.dispose()


def prepare_demo(host: str, port: int) -> None:
    keys = asyncio.run(_prepare())
    run = asyncio.run(_monthly_run("partner-a"))
    draft = asyncio.run(_pending_draft(keys["partner-a"]["admin"]))
    links = asyncio.run(_sign_in_links(keys["partner-a"]))
    base = f"http://{host}:{port}"
    print("Demo API keys (shown once):")
    for tenant_id, by_role in keys.items():
        for role, key in by_role.items():
            print(f"  {tenant_id:10} {role:10} {key}")
    body = shlex.quote(json.dumps(EXAMPLE_QUOTE))
    print(f"\nPrice a quote for partner-a (Texas):\n  curl -s -X POST {base}/v1/quotes \\\n"
          f"    -H 'Authorization: Bearer {keys['partner-a']['rating']}' \\\n"
          f"    -H 'Content-Type: application/json' -d {body}\n")
    print(f"Export partner-a's audit trail:\n  curl -s {base}/v1/audit/export?format=jsonl \\\n"
          f"    -H 'Authorization: Bearer {keys['partner-a']['compliance']}'\n")
    print(f"Rate versions (admin drafts, tests and deploys; approver approves; docs/rates.md):\n"
          f"  curl -s {base}/v1/rate-versions?state=TX -H 'Authorization: Bearer {keys['partner-a']['admin']}'\n"
          f"  saas rates log --tenant partner-a   # the same from the terminal\n")
    print(f"Monthly scoring: partner-a's {run.expected} demo drivers for {run.period}: {run.status}, "
          f"{run.written} scored, {run.not_scored} without trips; checksum {run.checksum[:16]}…\n"
          f"  curl -s {base}/v1/scoring-runs/{run.id} -H 'Authorization: Bearer {keys['partner-a']['admin']}'\n"
          f"  curl -s {base}/v1/drivers/demo-0000/scores -H 'Authorization: Bearer {keys['partner-a']['rating']}'\n"
          f"  curl -s '{base}/v1/scoring-runs/{run.id}/results?format=csv' "
          f"-H 'Authorization: Bearer {keys['partner-a']['admin']}'\n"
          f"  saas score --tenant partner-a --period {run.period}   # the same month again: same checksum\n")
    print(f"Console: {base}/console  (sign in with a key above, or open a one-time link of partner-a's keys:)")
    for role, token in links.items():
        print(f"  {role:10} {base}/console/sign-in/link/{token}")
    print(f"  a pending TX draft with its impact test: {base}/console/rates/versions/{draft}\n")
    print(f"OpenAPI: {base}/schema   health: {base}/healthz   metrics: {base}/metrics\n", flush=True)
