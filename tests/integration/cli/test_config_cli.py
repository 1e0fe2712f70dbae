"""``saas config ...``, ``saas tenants create`` and ``saas keys create --platform`` as a partner
admin and an operator run them: real processes on an embedded SQLite database, the same rules as
the API (located errors, four eyes by name, every step logged)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from saas.settings import ROOT

pytestmark = pytest.mark.integration


def saas(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "saas.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_a_partner_admin_changes_a_cap_from_the_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "SAAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    assert saas(env, "db", "upgrade").returncode == 0
    bad, good = tmp_path / "bad.yaml", tmp_path / "partner-a.yaml"
    shipped = (ROOT / "tenants" / "partner-a.yaml").read_text()
    bad.write_text(shipped.replace("max_discount: 0.25", "max_discont: 0.25"))
    good.write_text(shipped.replace("max_discount: 0.25", "max_discount: 0.30"))

    refused = saas(env, "config", "push", str(bad), "--tenant", "partner-a", "-m", "typo", "--as", "alice")
    line = shipped.splitlines().index("  max_discount: 0.25") + 1
    assert refused.returncode == 1 and f"config.yaml:{line}:3: error: unknown key 'max_discont'" in refused.stderr
    assert "did you mean 'max_discount'" in refused.stderr

    pushed = saas(env, "config", "push", str(good), "--tenant", "partner-a", "-m", "wider cap", "--as", "alice")
    assert pushed.returncode == 0, pushed.stderr
    version = re.search(r"drafted: ([0-9a-f]{64}) \(draft\)", pushed.stdout)
    assert version is not None, pushed.stdout
    ident = version.group(1)
    diff = saas(env, "config", "diff", ident, "--tenant", "partner-a")
    assert "pricing.max_discount 0.25 → 0.30" in diff.stdout, diff.stdout + diff.stderr
    tested = saas(env, "config", "test", ident, "--tenant", "partner-a", "--as", "alice")
    assert tested.returncode == 0 and '"quotes"' in tested.stdout, tested.stderr
    own = saas(env, "config", "approve", ident, "--tenant", "partner-a", "--as", "alice")
    assert own.returncode == 1 and "four eyes" in own.stderr
    assert saas(env, "config", "approve", ident, "--tenant", "partner-a", "--as", "bob").returncode == 0
    deployed = saas(env, "config", "deploy", ident, "--tenant", "partner-a", "--as", "alice")
    assert deployed.returncode == 0 and f"deployed {ident}" in deployed.stdout, deployed.stderr
    log = saas(env, "config", "log", "--tenant", "partner-a").stdout.splitlines()
    assert log[0].startswith(ident[:12]) and "deployed" in log[0] and "alice: wider cap" in log[0]
    back = saas(env, "config", "rollback", "--tenant", "partner-a", "--as", "alice")
    assert back.returncode == 0 and "rolled back to" in back.stdout, back.stderr


def test_an_operator_onboards_a_tenant_and_makes_a_platform_key(tmp_path: Path) -> None:
    env = {**os.environ, "SAAS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ops.db"}
    assert saas(env, "db", "upgrade").returncode == 0
    created = saas(env, "tenants", "create", "acme-two", "--name", "Acme Two", "--as", "ops")
    assert created.returncode == 0, created.stderr
    assert re.search(r"^rk_[0-9a-f]{16}_\S{43}$", created.stdout, re.MULTILINE), created.stdout
    assert saas(env, "tenants", "create", "acme-two", "--name", "Again").returncode == 1
    key = saas(env, "keys", "create", "--platform", "--role", "platform-approver", "--name", "rules reviewer")
    assert key.returncode == 0 and "platform-approver" in key.stdout, key.stderr
    wrong = saas(env, "keys", "create", "--tenant", "acme-two", "--role", "platform", "--name", "x")
    assert wrong.returncode == 1 and "platform keys only" in wrong.stderr
    tenant_key = saas(env, "keys", "create", "--tenant", "acme-two", "--role", "rating", "--name", "acme systems")
    assert tenant_key.returncode == 0, tenant_key.stderr
