"""``saas audit export`` and ``saas audit verify FILE`` through the real command entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions
from saas.cli import main
from saas.db import run_in_session
from tests.unit.audit.chain_helpers import build_chain, export_lines

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_verify_accepts_a_good_export(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"audit.{fmt}"
    path.write_text("".join(export_lines(build_chain(5), fmt)), encoding="utf-8")
    assert main(["audit", "verify", str(path)]) == 0
    assert "OK: 5 entries" in capsys.readouterr().out


def test_verify_names_the_first_bad_seq_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = export_lines(build_chain(6), "csv")
    del lines[3]
    path = tmp_path / "audit.csv"
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["audit", "verify", str(path)]) == 1
    assert "BAD at seq 3" in capsys.readouterr().err


def test_export_then_verify_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    monkeypatch.setenv("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0

    async def record(session: AsyncSession) -> None:
        await append_decisions(session, "acme", [NewEntry("quote", {"n": i}) for i in range(5)])
        await append_decisions(session, "other", [NewEntry("quote", {"n": 99})])

    run_in_session(record)
    capsysbinary.readouterr()
    assert main(["audit", "export", "--tenant", "acme", "--format", "csv", "--from", "2020-01-01"]) == 0
    exported = capsysbinary.readouterr().out
    assert exported.count(b"\n") == 6 and b"other" not in exported
    path = tmp_path / "acme.csv"
    path.write_bytes(exported)
    assert main(["audit", "verify", str(path)]) == 0
