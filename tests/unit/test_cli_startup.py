"""The ``saas`` command starts fast: heavy libraries are imported only by the commands that use them.

Partner admins run ``saas check`` and ``saas keys`` in their own CI; importing xgboost and
scikit-learn to build the argument parser made ``saas check`` take 4 s (issue 12). Wall times
are in docs/benchmarks.md; here the cause is pinned: which modules a command loads.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from saas.settings import ROOT
from saas.tenancy import cli as tenancy_cli
from saas.tenancy.keys import ROLES

pytestmark = pytest.mark.unit

HEAVY = ("xgboost", "sklearn", "scipy", "pandas", "numpy", "shap", "litestar", "uvicorn", "sqlalchemy")


def modules_after(code: str) -> list[str]:
    probe = f"import sys, saas.cli\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=60).stdout
    return [name for name in json.loads(out.splitlines()[-1]) if name.split(".")[0] in HEAVY]


def test_building_the_parser_imports_nothing_heavy() -> None:
    assert sorted({m.split(".")[0] for m in modules_after("saas.cli.build_parser()")}) == []


def test_saas_check_imports_no_model_no_web_framework_no_database() -> None:
    loaded = {m.split(".")[0] for m in modules_after("assert saas.cli.main(['check']) == 0")}
    assert loaded == set()


def test_keys_parser_offers_every_role() -> None:
    assert tenancy_cli.ROLES == ROLES
