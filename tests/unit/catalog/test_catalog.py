"""The whole shipped configuration loads, and cross-file gaps are located problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from saas.catalog import load_catalog
from saas.cli import main
from saas.settings import ROOT

pytestmark = pytest.mark.unit


def test_shipped_configuration_is_complete() -> None:
    catalog, issues = load_catalog(ROOT / "tenants", ROOT / "rulesets")
    assert issues == []
    assert sorted(catalog.tenants) == ["fleet-co", "partner-a", "partner-b"]
    assert {"CA", "NY", "TX", "FL", "MI", "HI", "MA", "DEFAULT"} <= set(catalog.rulesets)
    for tenant in catalog.tenants.values():
        for state in tenant.config.states:
            assert catalog.rate_tables[(tenant.config.id, state, "auto")]


def test_served_state_without_rate_table_is_located(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tenants", tmp_path / "tenants")
    (tmp_path / "tenants" / "fleet-co" / "rates" / "HI-auto.yaml").unlink()
    _, issues = load_catalog(tmp_path / "tenants", ROOT / "rulesets")
    assert [i.message for i in issues] == ["tenant 'fleet-co' serves HI but has no auto rate table"]
    assert issues[0].location is not None and issues[0].location.file.endswith("fleet-co.yaml")


def test_saas_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT)]) == 0
    assert "3 tenants, 8 rulesets" in capsys.readouterr().out
    shutil.copytree(ROOT / "tenants", tmp_path / "tenants")
    shutil.copytree(ROOT / "rulesets", tmp_path / "rulesets")
    tenant = tmp_path / "tenants" / "partner-a.yaml"
    tenant.write_text(tenant.read_text().replace("max_surcharge: 0.40", "max_surcharge: 0.40\n  max_surchage: 1"))
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "partner-a.yaml:16:3: error: unknown key 'max_surchage'" in err
    assert "did you mean 'max_surcharge'?" in err


@pytest.mark.parametrize("nesting", ["[" * 1000 + "]" * 1000, "- " * 1000 + "x"])
def test_saas_check_locates_nesting_too_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              nesting: str) -> None:
    shutil.copytree(ROOT / "rulesets", tmp_path / "rulesets")
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "deep.yaml").write_text(f"id: deep\nstates:\n  {nesting}\n")
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "deep.yaml:" in err and "nested more than 32 levels deep" in err
    assert "Traceback" not in err and "RecursionError" not in err
    assert max(len(line) for line in err.splitlines()[1:]) <= 110
