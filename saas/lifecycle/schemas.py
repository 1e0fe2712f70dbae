"""The shadow report: the premium impact had a tenant's shadow model been live."""

from __future__ import annotations

from msgspec import Struct

from saas.rates.impact import Impact


class TierMove(Struct, frozen=True):
    from_tier: str
    to_tier: str
    count: int


class ShadowReport(Struct, frozen=True, omit_defaults=True):
    since: str | None
    quotes: int
    """Priced quotes of the period that carry a shadow score (the report's population)."""
    shadow_models: list[str]
    live_models: list[str]
    tier_migration: list[TierMove]
    impact: Impact | None = None
