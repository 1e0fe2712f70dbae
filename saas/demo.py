"""The README's main command: an embedded, ready-to-call API with demo keys.

Migrates the SQLite database, creates a rating, compliance, admin and approver key per shipped
tenant (keys are shown only once, so each run makes new ones), and prints a curl command that
returns a real quote and one that lists the rate versions (the shipped tables, imported at start).
The catalog is checked first so a broken tenant file fails here, loudly, not on a request.
"""

from __future__ import annotations

import asyncio
import json
import shlex

from saas.catalog import load_catalog_or_raise
from saas.db import Database, upgrade_schema
from saas.quote.examples import EXAMPLE_QUOTE
from saas.settings import load_settings
from saas.tenancy.keys import create_key


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


def prepare_demo(host: str, port: int) -> None:
    keys = asyncio.run(_prepare())
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
    print(f"OpenAPI: {base}/schema   health: {base}/healthz   metrics: {base}/metrics\n", flush=True)
