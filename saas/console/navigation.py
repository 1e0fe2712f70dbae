"""The console's navigation: which sections a role sees, and the seams later features plug into.

Each section names the API role set that governs it, so the menu never offers a page the role
would be refused (Fairness: compliance keys only, as ``saas.fairness.routes``; Adverse action: the
register's ``COMPLIANCE``). A feature that adds pages adds a ``Section`` here with its routes' roles
and its module's ROUTES to ``saas.console.routes.PAGES``; until then its section may be listed in
``PLANNED`` and shown as "soon" rather than hidden, so users know it is coming.
"""

from __future__ import annotations

from msgspec import Struct

from saas.content.routes import CONFIG
from saas.fairness.routes import COMPLIANCE as FAIRNESS
from saas.rates.routes import READ as RATES_READ
from saas.tenancy.guards import COMPLIANCE, RATE
from saas.trips.routes import RUN_READ


class Section(Struct, frozen=True):
    title: str
    href: str
    roles: frozenset[str]


class NavItem(Struct, frozen=True):
    title: str
    href: str | None
    """None: planned, not available yet."""


SECTIONS: list[Section] = [
    Section("Overview", "/console", frozenset({"rating", "admin", "approver", "compliance"})),
    Section("Configuration", "/console/config", CONFIG.read),
    Section("Rate tables", "/console/rates", RATES_READ),
    Section("Quote playground", "/console/playground", RATE),
    Section("Runs and drivers", "/console/runs", RUN_READ),
    Section("Compliance", "/console/compliance", COMPLIANCE),
    Section("Fairness", "/console/fairness", FAIRNESS),
    Section("Adverse action", "/console/adverse-actions", COMPLIANCE),
]
PLANNED: list[str] = []
"""Sections whose features have not landed yet (each becomes a ``Section`` when it does)."""


def navigation(role: str) -> list[NavItem]:
    items = [NavItem(s.title, s.href) for s in SECTIONS if role in s.roles]
    return items + [NavItem(title, None) for title in PLANNED]
