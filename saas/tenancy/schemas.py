"""Tenant configuration structs: the shape of ``tenants/<id>.yaml``.

Strict (unknown keys refused) so a typo in a partner's file is an error with a suggestion, never a
silently ignored setting. Checks that need more than one field live in ``__post_init__`` when they
concern one struct, and in ``saas.tenancy.service`` when they need the rulesets too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from saas.errors import field_error

Feature = Literal["behavioral", "contextual", "phone_usage", "mileage"]
KNOWN_FEATURES: tuple[str, ...] = ("behavioral", "contextual", "phone_usage", "mileage")
TenantId = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]{1,40}$")]
StateCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]


def check_range(name: str, value: Decimal, lo: Decimal | int, hi: Decimal | int, *, lo_open: bool = False,
                hi_open: bool = False) -> None:
    """msgspec has no numeric constraints on Decimal, so struct checks call this instead."""
    below = value <= lo if lo_open else value < lo
    above = value >= hi if hi_open else value > hi
    if below or above:
        left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
        raise field_error(name, f"{name} must be in {left}{lo}, {hi}{right}, got {value}")


class Tier(Struct, forbid_unknown_fields=True, frozen=True):
    """A risk-percentile band: drivers up to ``up_to_percentile`` of the training distribution."""

    name: Annotated[str, Meta(min_length=1, max_length=20)]
    up_to_percentile: Decimal
    label: str
    factor: Decimal | None = None
    """Fixed premium factor for this tier (the 'tier' mapping mode); None under dynamic scaling."""

    def __post_init__(self) -> None:
        check_range("up_to_percentile", self.up_to_percentile, 0, 100, lo_open=True)
        if self.factor is not None:
            check_range("factor", self.factor, 0, 10, lo_open=True)


class Pricing(Struct, forbid_unknown_fields=True, frozen=True):
    target_spread: Decimal
    max_discount: Decimal
    max_surcharge: Decimal
    tiers: Annotated[list[Tier], Meta(min_length=1, max_length=10)]
    mapping: Literal["dynamic", "tier", "bands"] = "dynamic"
    """dynamic: 1 + (risk - baseline) * spread / (p95 - p5); tier: the tier's factor;
    bands: the rating design's five score bands (0.80 / 0.90 / 1.00 / 1.15 / 1.30)."""
    discount_only: bool = False
    minimum_premium: Decimal = Decimal("0")
    rounding_unit: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        check_range("target_spread", self.target_spread, 0, 2, lo_open=True)
        check_range("max_discount", self.max_discount, 0, 1, hi_open=True)
        check_range("max_surcharge", self.max_surcharge, 0, 5)
        check_range("minimum_premium", self.minimum_premium, 0, 1_000_000)
        check_range("rounding_unit", self.rounding_unit, 0, 100, lo_open=True)
        previous = Decimal(0)
        for tier in self.tiers:
            if tier.up_to_percentile <= previous:
                raise ValueError(
                    f"tier '{tier.name}' ends at {tier.up_to_percentile}, not above the previous "
                    f"tier's {previous}: tiers must increase without overlap"
                )
            previous = tier.up_to_percentile
        if previous != 100:
            raise ValueError(f"tiers end at percentile {previous}; the last must reach 100 (no gap)")
        if self.mapping == "tier" and any(t.factor is None for t in self.tiers):
            raise ValueError("mapping 'tier' needs a factor on every tier")
        if self.discount_only and self.max_surcharge != 0:
            raise ValueError("discount_only tenants must set max_surcharge: 0")


class SafetyScore(Struct, forbid_unknown_fields=True, frozen=True):
    smoothing: Decimal = Decimal("0.4")
    """Weight of the current month: smoothed = (1 - smoothing) * previous + smoothing * current."""

    def __post_init__(self) -> None:
        check_range("smoothing", self.smoothing, 0, 1, lo_open=True)


class Webhook(Struct, forbid_unknown_fields=True, frozen=True):
    url: Annotated[str, Meta(pattern=r"^https://[^\s]+$")]
    secret_ref: Annotated[str, Meta(pattern=r"^env:[A-Z][A-Z0-9_]*$")]
    """Where the signing secret lives (an environment variable), never the secret itself."""


class ScoringSchedule(Struct, forbid_unknown_fields=True, frozen=True):
    """Score the month just ended on ``day`` of each month at ``hour_utc`` (run by the workers' RQ
    scheduler; day 1–28 so every month has it)."""

    day: Annotated[int, Meta(ge=1, le=28)] = 1
    hour_utc: Annotated[int, Meta(ge=0, le=23)] = 2
    explain: bool = True


class StateOverride(Struct, forbid_unknown_fields=True, frozen=True):
    features_enabled: list[Feature]


ModelVersion = Annotated[str, Meta(pattern=r"^[0-9a-f]{16}$", description="a registered model version")]


class TenantConfig(Struct, forbid_unknown_fields=True, frozen=True):
    id: TenantId
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    states: Annotated[list[StateCode], Meta(min_length=1)]
    features_enabled: list[Feature]
    pricing: Pricing
    safety_score: SafetyScore = msgspec.field(default_factory=SafetyScore)
    state_overrides: dict[StateCode, StateOverride] = msgspec.field(default_factory=dict)
    webhook: Webhook | None = None
    model: ModelVersion | None = None
    """The shared model's version this tenant is priced with; absent: the platform's serving model."""
    shadow_model: ModelVersion | None = None
    """A candidate that also scores every quote, recorded beside the live score, never priced with."""
    scoring_schedule: ScoringSchedule | None = None

    def __post_init__(self) -> None:
        if self.shadow_model is not None and self.shadow_model == self.model:
            raise ValueError("shadow_model: the shadow must differ from the live model")
        if len(set(self.states)) != len(self.states):
            raise ValueError("states lists a state twice")
        stray = sorted(set(self.state_overrides) - set(self.states))
        if stray:
            raise ValueError(f"state_overrides for states the tenant does not serve: {', '.join(stray)}")

    def features_for(self, state: str) -> tuple[str, ...]:
        """Telematics feature groups enabled in ``state`` (a state override replaces the default)."""
        override = self.state_overrides.get(state)
        return tuple(override.features_enabled if override else self.features_enabled)
