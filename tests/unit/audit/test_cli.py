"""``saas audit verify FILE`` through the real command entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from saas.cli import main
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
