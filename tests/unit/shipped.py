"""The shipped tenants, rulesets, rate tables and model, loaded once per test session.

Loading the catalog parses every YAML file (about a second), so the unit tests of rating, scoring
and decisions share one copy; both objects are read-only.
"""

from __future__ import annotations

from functools import cache

from saas.catalog import Catalog, load_catalog_or_raise
from saas.scoring.model import RiskModel, load_default_model
from saas.settings import ROOT
from tests.unit.scoring.fixtures import DEFAULT_DIR


@cache
def shipped_catalog() -> Catalog:
    return load_catalog_or_raise(ROOT / "tenants", ROOT / "rulesets")


def shipped_model() -> RiskModel:
    return load_default_model(DEFAULT_DIR)  # RiskModel.load keeps one instance per directory
