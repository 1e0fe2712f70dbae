"""``saas compliance bundle`` and ``saas compliance verify`` as a compliance officer runs them, on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from saas.db import Database
from saas.settings import ROOT

pytestmark = pytest.mark.integration


def saas(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAAS_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "saas.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


async def test_bundle_then_verify_then_tamper(pg_database: Database, pg_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    made = saas("compliance", "bundle", "--tenant", "partner-b", "--period", "2021-03", "--out", str(out), url=pg_url)
    assert made.returncode == 0, made.stderr
    assert "(empty period)" in made.stdout and not (tmp_path / "bundle.zip.partial").exists()
    ok = saas("compliance", "verify", str(out), url=pg_url)
    assert ok.returncode == 0 and ok.stdout.startswith("OK:") and "an empty period" in ok.stdout, ok.stderr
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(out) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info.filename, data.replace(b"2021-03", b"2021-04", 1) if info.filename == "README.txt"
                         else data)
    failed = saas("compliance", "verify", str(bad), url=pg_url)
    assert failed.returncode == 1 and "README.txt" in failed.stderr, failed.stderr
    refused = saas("compliance", "bundle", "--tenant", "partner-b", "--period", "2021-3", "--out", str(out),
                   url=pg_url)
    assert refused.returncode == 2 and "YYYY-MM" in refused.stderr
    stranger = saas("compliance", "bundle", "--tenant", "nobody", "--period", "2021-03", "--out", str(tmp_path / "n"),
                    url=pg_url)
    assert stranger.returncode == 2 and "nobody" in stranger.stderr and not list(tmp_path.glob("n*"))
