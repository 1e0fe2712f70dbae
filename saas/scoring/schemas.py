"""Request and response structs of the partner risk-score call."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from msgspec import Meta, Struct

from saas.quote.schemas import StateCode, Telematics, free_text
from saas.scoring.explain import FactorContribution


class DriverFeatures(Struct, frozen=True, forbid_unknown_fields=True):
    driver_id: Annotated[str, free_text(100, min_length=1)]
    features: Telematics


class RiskScoreRequest(Struct, frozen=True, forbid_unknown_fields=True):
    """Telematics feature vectors to score; ``state`` applies that state's feature permissions."""

    drivers: Annotated[list[DriverFeatures], Meta(min_length=1, max_length=10_000)]
    state: StateCode | None = None


class DriverScore(Struct, frozen=True, omit_defaults=True):
    decision_id: str
    driver_id: str
    risk_score: float
    safety_score: Decimal
    multiplier: Decimal
    tier: str
    tier_label: str
    percentile: float
    safest_top_pct: int
    contributions: dict[str, float] | None = None
    top_adverse_factors: list[FactorContribution] | None = None
    top_positive_factors: list[FactorContribution] | None = None


class RiskScoreResponse(Struct, frozen=True):
    scores: list[DriverScore]
    model_version: str
    tenant_config: str
