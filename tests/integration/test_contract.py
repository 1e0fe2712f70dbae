"""The OpenAPI document is the contract: Schemathesis fuzzes every operation with each role's key
against a real ``saas serve`` process, with every check on, and follows the documented links
(quote → decision → replay, draft → test → approve → deploy) in its stateful phase.

Bounded and reproducible: a fixed seed and a fixed number of examples per operation, so the same
cases run every time, on any machine. There is no time budget (``--max-time``): with one, fuzzing and
the stateful phase repeat until it is spent, so a loaded machine ran fewer cases and reached the
stateful phase not at all. The one setting (``schemathesis.toml`` beside
this file): schema-valid input may still be refused by the business (a state the tenant does not
write, a deductible its rate table does not list, a declining state rule), a documented 422, so 422
is an accepted answer to positive data; every other check runs as shipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.replicas import prepare, serving
from tests.services import PostgresServer
from tests.waiting import LOADED

pytestmark = pytest.mark.integration

ROLES = ("rating", "compliance", "admin", "approver")
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261128
MAX_EXAMPLES = 6
RUN_S = 60
"""One role's run idle, generously (tens of seconds); the wait allows ``LOADED`` times that."""
REQUEST_S = 30
"""The slowest request idle, generously: the largest explained risk-score batch (2.5 MB) takes a
few seconds; Schemathesis's own 10 s timeout failed it on a loaded machine. Allowed ``LOADED`` times."""


@pytest.fixture(scope="module")
async def contract_server(postgres_server: PostgresServer) -> Any:
    keys = await prepare(postgres_server.create_database("contract"), None, roles=ROLES)
    with serving(postgres_server.app_role("contract"), None, count=1, per_minute=1_000_000) as (base,):
        yield base, keys


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(contract_server: Any, role: str, tmp_path: Path) -> None:
    base, keys = contract_server
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
               f"{base}/schema/openapi.json", "--checks", "all", "--seed", str(SEED), "--max-examples",
               str(MAX_EXAMPLES), "--request-timeout", str(REQUEST_S * LOADED), "--workers", "1", "--no-color",
               "--phases", "examples,coverage,fuzzing,stateful", "--continue-on-failure",
               "--header", f"Authorization: Bearer {keys[('partner-a', role)]}",
               "--report", "junit", "--report-dir", str(tmp_path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_S * LOADED)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"schemathesis with the {role} key had not finished after {RUN_S * LOADED:.0f} s:\n"
                             f"{str(expired.stdout)[-3000:]}") from None
    assert done.returncode == 0, f"schemathesis with the {role} key:\n{done.stdout[-12000:]}\n{done.stderr[-2000:]}"
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in done.stdout, f"the {phase} phase did not run:\n{done.stdout[-3000:]}"
    print(role, next(line.strip() for line in done.stdout.splitlines() if " generated, " in line))
