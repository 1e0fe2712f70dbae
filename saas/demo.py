"""The README's main command: an embedded, ready-to-call API with demo keys.

Migrates the SQLite database, creates a rating, compliance, admin and approver key per shipped
tenant (keys are shown only once, so each run makes new ones), and prints a curl command that
returns a real quote and one that lists the rate versions (the shipped tables, imported at start),
then loads last month's generated trips for 300 demo drivers of partner-a and runs the monthly
scoring in-process, printing the run and how to read it; finally drafts a configuration change
(partner-a's discount cap 25 % → 30 %) and tests it on that month, so a draft waits for approval
with its impact, and prints the curl commands to read, approve and make such a change.
The catalog is checked first so a broken tenant file fails here, loudly, not on a request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shlex
from typing import Any

from saas.catalog import load_catalog_or_raise
from saas.db import Database, upgrade_schema
from saas.quote.examples import EXAMPLE_QUOTE
from saas.runtime import Runtime
from saas.settings import load_settings
from saas.tenancy.keys import Principal, create_key
from saas.trips.demo_data import demo_month
from saas.versioning.schemas import TestRequest


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


CAP_CHANGE = ("max_surcharge: 0.40", "max_surcharge: 0.20")
"""The demo's pending configuration draft: partner-a's surcharge cap lowered from 40 % to 20 %."""


async def _pending_draft(tenant_id: str) -> Any:
    """A partner admin's draft waiting for approval, with its impact test on the month just scored."""
    settings = load_settings()
    runtime = Runtime.load(settings)
    try:
        await runtime.start(watch=False, warm_up=False)
        text = (settings.tenants_dir / f"{tenant_id}.yaml").read_text(encoding="utf-8").replace(*CAP_CHANGE)
        who = Principal(tenant_id, "demo", "admin", "demo admin")
        version, _ = await runtime.content.configs.draft(who, text, "Lower the surcharge cap to 20 %")
        return await runtime.content.configs.test(who, version.id, TestRequest())
    finally:
        await runtime.close()


def prepare_demo(host: str, port: int) -> None:
    keys = asyncio.run(_prepare())
    run = asyncio.run(_monthly_run("partner-a"))
    draft = asyncio.run(_pending_draft("partner-a"))
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
    _print_draft(base, keys["partner-a"], draft)
    print(f"OpenAPI: {base}/schema   health: {base}/healthz   metrics: {base}/metrics\n", flush=True)


def _print_draft(base: str, keys: dict[str, str], run: Any) -> None:
    admin, approver = keys["admin"], keys["approver"]
    drivers = run.result.drivers
    moved = f"{drivers.changed} of {drivers.drivers} drivers' multipliers move" if drivers else "no scored month"
    version = f"{base}/v1/config-versions/{run.version_id}"
    print(f"Configuration versions (partner admins; docs/tenants.md). Pending: partner-a's surcharge cap "
          f"40 % → 20 % ({moved}):\n"
          f"  curl -s '{version}/diff?format=text' -H 'Authorization: Bearer {admin}'\n"
          f"  curl -s -X POST {version}/test -H 'Authorization: Bearer {admin}'"
          f"   # its impact\n"
          f"  curl -s -X POST {version}/approve "
          f"-H 'Authorization: Bearer {approver}'   # another person\n"
          f"  Draft your own change (the file's text as the body):\n"
          f"  sed 's/max_discount: 0.25/max_discount: 0.30/' tenants/partner-a.yaml | curl -s -X POST "
          f"'{base}/v1/config-versions?message=wider%20discount%20cap' \\\n"
          f"    -H 'Authorization: Bearer {admin}' -H 'Content-Type: application/yaml' --data-binary @-\n")
