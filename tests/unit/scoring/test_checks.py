"""``saas check`` refuses a tenant model pin that nobody registered, at the pin's line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ml import artifacts
from saas.cli import main
from saas.settings import ROOT

pytestmark = pytest.mark.unit


def project(tmp_path: Path, pin: str) -> Path:
    shutil.copytree(ROOT / "tenants", tmp_path / "tenants")
    shutil.copytree(ROOT / "rulesets", tmp_path / "rulesets")
    path = tmp_path / "tenants" / "partner-b.yaml"
    path.write_text(path.read_text() + pin)
    return tmp_path


def test_an_unknown_pin_is_an_error_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, "shadow_model: 0123456789abcdef\n")
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert "shadow_model 0123456789abcdef is not registered" in err
    assert f"{root / 'tenants' / 'partner-b.yaml'}:" in err and "(at $.shadow_model)" in err


def test_a_pin_found_in_a_model_directory_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = tmp_path / "models"
    shutil.copytree(ROOT / "ml" / "artifacts" / "default", models / "candidate")
    meta = models / "candidate" / artifacts.META_FILE
    meta.write_bytes(meta.read_bytes() + b"\n")  # another version: the files that decide a score differ
    version = artifacts.model_version(models / "candidate")
    assert version != artifacts.model_version(ROOT / "ml" / "artifacts" / "default")
    root = project(tmp_path / "p", f"shadow_model: {version}\n")
    assert main(["check", str(root)]) == 1
    capsys.readouterr()
    assert main(["check", str(root), "--models", str(models)]) == 0, capsys.readouterr().err


def test_a_pin_of_a_legacy_id_is_found_in_its_model_directory(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, "model: de5ffc1727d66f89\n")  # the version shipped until 2026-12
    assert main(["check", str(root), "--models", str(ROOT / "tests" / "fixtures" / "models")]) == 0, \
        capsys.readouterr().err
