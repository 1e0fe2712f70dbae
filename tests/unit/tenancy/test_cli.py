"""``saas db upgrade`` and ``saas keys ...`` through the real command entry point, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from saas.cli import main

pytestmark = pytest.mark.unit


def test_keys_commands_create_list_and_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "database at head" in capsys.readouterr().out
    assert main(["keys", "create", "--tenant", "partner-a", "--role", "compliance", "--name", "Ana"]) == 0
    created = capsys.readouterr().out
    key_id = created.split()[0]
    assert f"rk_{key_id}_" in created
    assert main(["keys", "list", "--tenant", "partner-a"]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed and "active" in listed and f"rk_{key_id}_" not in listed
    assert main(["keys", "revoke", key_id]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "ffffffffffffffff"]) == 1
    assert "not found" in capsys.readouterr().err


def test_keys_are_only_created_for_configured_tenants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert main(["keys", "create", "--tenant", "nobody", "--role", "rating", "--name", "x"]) == 1
    err = capsys.readouterr().err
    assert "no tenant 'nobody'" in err and "partner-a" in err
