"""``saas rates`` on SQLite: the CLI acts as a named principal under the API's rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from saas.cli import main
from saas.settings import ROOT

pytestmark = pytest.mark.unit


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def rates(*args: str) -> list[str]:
    return ["rates", *args, "--tenant", "partner-b"]


def test_draft_test_approve_deploy_rollback_with_four_eyes(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "tenants/partner-b/rates/MI-auto.yaml").read_text().replace("standard: 941.00", "standard: 990.00")
    (database / "MI.yaml").write_text(text)
    assert main([*rates("draft", str(database / "MI.yaml"), "-m", "MI +5%"), "--as", "alice"]) == 0
    version = re.search(r"drafted: ([0-9a-f]{64})", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert main([*rates("diff", version)]) == 0
    assert "+ base_premium.standard  990.00  (+5.21%)" in capsys.readouterr().out
    quote = {"policy": {"state": "MI", "zip_code": "48201", "effective_date": "2026-12-01"},
             "vehicle": {"model_year": 2020}, "drivers": [{"age": 40, "years_licensed": 20}],
             "coverages": {"pip": True}}
    (database / "scenarios.json").write_text(json.dumps([{"scenario_id": "x", "quote": quote}]))
    assert main([*rates("approve", version), "--as", "bob"]) == 1
    assert "impact test" in capsys.readouterr().err
    assert main([*rates("test", version, "--scenarios", str(database / "scenarios.json")), "--as", "alice"]) == 0
    tested = capsys.readouterr().out
    assert "1 scenarios" in tested and "could be priced" not in tested and "0% to +5%" in tested
    assert main([*rates("approve", version), "--as", "alice"]) == 1
    assert "four eyes" in capsys.readouterr().err
    assert main([*rates("approve", version), "--as", "bob"]) == 0
    assert main([*rates("deploy", version), "--as", "alice"]) == 0
    assert main([*rates("rollback", "--state", "MI"), "--as", "alice"]) == 0
    capsys.readouterr()
    assert main([*rates("log", "--state", "MI")]) == 0
    log = capsys.readouterr().out.splitlines()
    assert log[0].startswith(version[:12]) and "superseded" in log[0] and "system: initial import" in log[1]


def test_a_broken_file_is_refused_with_its_location(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "tenants/partner-b/rates/MI-auto.yaml").read_text().replace("sedan: 1.00", "sedan: 0")
    (database / "bad.yaml").write_text(text)
    assert main([*rates("draft", str(database / "bad.yaml"), "-m", "bad")]) == 1
    assert re.search(r"bad\.yaml:\d+:\d+", capsys.readouterr().err)
