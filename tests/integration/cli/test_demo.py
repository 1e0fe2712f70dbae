"""The README's main command: `saas demo` sets up a database, prints keys and a working curl."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import msgspec
import pytest

from saas.app import create_app
from saas.runtime import Runtime
from saas.settings import ROOT, load_settings

pytestmark = pytest.mark.integration


async def test_demo_prints_keys_and_a_curl_that_prices_a_quote(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/demo.db"
    env = {**os.environ, "SAAS_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "saas.cli", "demo", "--no-serve"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    monthly = re.search(r"Monthly scoring: partner-a's 300 demo drivers for (\d{4}-\d{2}): completed, 300 scored",
                        done.stdout)
    assert monthly is not None, done.stdout
    keys = re.findall(r"^\s+(\S+)\s+(rating|compliance)\s+(rk_\S+)$", done.stdout, re.MULTILINE)
    assert {(tenant, role) for tenant, role, _ in keys} == {
        (t, r) for t in ("fleet-co", "partner-a", "partner-b") for r in ("rating", "compliance")}
    curl = done.stdout[done.stdout.index("curl -s -X POST"):].split("\n\n")[0].replace("\\\n", " ")
    words = shlex.split(curl)
    header = words[words.index("-H") + 1]
    body = json.loads(words[words.index("-d") + 1])

    pending = re.search(r"Pending: partner-a's surcharge cap 40 % → 20 % \((\d+) of 300 drivers' multipliers move\)",
                        done.stdout)
    assert pending is not None and int(pending.group(1)) > 0, done.stdout
    diff = shlex.split(done.stdout[done.stdout.index("curl -s '", pending.end()):].split("\n")[0])

    runtime = Runtime.load(msgspec.structs.replace(load_settings(), database_url=url))
    await runtime.start()
    transport = httpx.ASGITransport(app=create_app(runtime.settings, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        name, _, value = header.partition(": ")
        response = await client.post("/v1/quotes", json=body, headers={name: value})
        name, _, value = diff[diff.index("-H") + 1].partition(": ")
        changes = await client.get(diff[2].replace("http://127.0.0.1:8000", ""), headers={name: value})
    await runtime.close()
    assert response.status_code == 201, response.text
    assert Decimal(response.json()["premium"]) > 0
    assert changes.status_code == 200 and "pricing.max_surcharge 0.40 → 0.20" in changes.text, changes.text
