"""Where the shipped model lives, and a throw-away copy of it for tests that edit artifacts."""

from __future__ import annotations

import shutil
from pathlib import Path

from saas.settings import ROOT

DEFAULT_DIR = ROOT / "ml" / "artifacts" / "default"


def model_dir_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_DIR, target)
    return target
