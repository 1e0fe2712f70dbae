"""The menu offers exactly the sections a role may open (the API's own role sets), plus the planned ones."""

from __future__ import annotations

import pytest

from saas.console.navigation import PLANNED, SECTIONS, navigation
from saas.content.routes import CONFIG
from saas.fairness.routes import COMPLIANCE as FAIRNESS
from saas.rates.routes import READ
from saas.tenancy.guards import COMPLIANCE, RATE
from saas.trips.routes import RUN_READ

pytestmark = pytest.mark.unit


def titles(role: str) -> set[str]:
    return {item.title for item in navigation(role) if item.href}


def test_each_role_sees_the_sections_its_api_role_set_allows() -> None:
    assert titles("rating") == {"Overview", "Quote playground"}
    assert titles("approver") == {"Overview", "Configuration", "Rate tables"}
    assert titles("compliance") == {"Overview", "Configuration", "Rate tables", "Runs and drivers", "Compliance",
                                    "Fairness", "Adverse action"}
    assert titles("admin") == {s.title for s in SECTIONS} - {"Fairness"}
    roles = {s.title: s.roles for s in SECTIONS}
    assert roles["Configuration"] == CONFIG.read and roles["Rate tables"] == READ
    assert roles["Quote playground"] == RATE and roles["Runs and drivers"] == RUN_READ
    assert roles["Compliance"] == COMPLIANCE == roles["Adverse action"]
    assert roles["Fairness"] == FAIRNESS == {"compliance"}  # the proxies: not even admin (saas.fairness.routes)


def test_planned_sections_are_shown_without_a_link(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PLANNED == []  # fairness and adverse action have landed (issue 20)
    monkeypatch.setattr("saas.console.navigation.PLANNED", ["Claims"])
    planned = [item for item in navigation("compliance") if item.href is None]
    assert [item.title for item in planned] == ["Claims"]
