from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``saas ml train`` registers what it trains: into a database of the test's own, never var/."""
    path = tmp_path / "registry.db"
    monkeypatch.setenv("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path
