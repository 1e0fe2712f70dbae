"""Rate table files (``tenants/<id>/rates/<STATE>-auto.yaml``) and rating results as strict structs.

A rate table is filed, reviewed and approved by people, so every mistake must be caught when the
file loads, never in a live quote: unknown keys are refused, every factor must be positive, every
lookup must be complete (each vehicle type, credit tier, ...) and banded tables must cover every
value without a gap or an overlap. A check that fails names the offending sub-path at the start of
its message (``age_bands[2].from: ...``) so the loader can point at that exact line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from saas.quote.schemas import CoverageLevel, CreditTier, Gender, MaritalStatus, TheftRisk, VehicleType
from saas.rating.checks import check_amount, check_bands, check_factor, check_factors
from saas.tenancy.schemas import StateCode, TenantId

ZipPattern = Annotated[str, Meta(pattern=r"^[0-9]{1,5}$", description="a 5-digit ZIP or a ZIP prefix")]
TerritoryCode = Annotated[str, Meta(pattern=r"^[A-Z0-9][A-Z0-9-]{0,30}$")]
VEHICLE_TYPES: tuple[VehicleType, ...] = ("sedan", "suv", "truck", "van", "sports", "ev")
THEFT_RISKS: tuple[TheftRisk, ...] = ("low", "medium", "high")
CREDIT_TIERS: tuple[CreditTier, ...] = ("excellent", "good", "fair", "poor")
GENDERS: tuple[Gender, ...] = ("female", "male", "nonbinary", "unspecified")
MARITAL_STATUSES: tuple[MaritalStatus, ...] = ("single", "married", "divorced", "widowed", "unspecified")


class Band(Struct, forbid_unknown_fields=True, frozen=True, rename={"start": "from", "end": "to"}):
    """Whole numbers ``from``..``to`` inclusive; the last band of a table omits ``to`` (open-ended)."""

    start: Annotated[int, Meta(ge=0)]
    factor: Decimal
    end: Annotated[int, Meta(ge=0)] | None = None


class CoverageLoad(Struct, forbid_unknown_fields=True, frozen=True):
    """An optional coverage priced either as a multiplier on the rated premium or as a flat amount."""

    multiply: Decimal | None = None
    add: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.multiply is None) == (self.add is None):
            raise ValueError("give exactly one of 'multiply' (a factor) or 'add' (an amount)")
        if self.multiply is not None:
            check_factor("multiply", self.multiply)
        if self.add is not None:
            check_amount("add", self.add)


class DeductibleCredit(Struct, forbid_unknown_fields=True, frozen=True):
    deductible: Decimal
    factor: Decimal


class CoverageLoads(Struct, forbid_unknown_fields=True, frozen=True):
    """Loads for coverages beyond liability, and physical-damage deductible credits.

    A deductible credit applies when collision or comprehensive is carried: the row with the largest
    ``deductible`` not above the quote's deductible. The first row must be deductible 0.
    """

    collision: CoverageLoad | None = None
    comprehensive: CoverageLoad | None = None
    pip: CoverageLoad | None = None
    uninsured_motorist: CoverageLoad | None = None
    deductible_credits: list[DeductibleCredit] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        previous: Decimal | None = None
        for index, row in enumerate(self.deductible_credits):
            where = f"deductible_credits[{index}]"
            if previous is None and row.deductible != 0:
                raise ValueError(f"{where}.deductible: the first row must be deductible 0")
            if previous is not None and row.deductible <= previous:
                raise ValueError(f"{where}.deductible: {row.deductible} must be above the previous row's {previous}")
            check_amount(f"{where}.deductible", row.deductible)
            check_factor(f"{where}.factor", row.factor)
            previous = row.deductible


class Territory(Struct, forbid_unknown_fields=True, frozen=True):
    """A rating territory: exact 5-digit ZIPs and/or ZIP prefixes; the longest match wins."""

    code: TerritoryCode
    factor: Decimal
    zips: Annotated[list[ZipPattern], Meta(min_length=1)]


class DefaultTerritory(Struct, forbid_unknown_fields=True, frozen=True):
    code: TerritoryCode
    factor: Decimal


class Territories(Struct, forbid_unknown_fields=True, frozen=True):
    default: DefaultTerritory
    areas: list[Territory] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        check_factor("default.factor", self.default.factor)
        seen: dict[str, str] = {}
        for index, area in enumerate(self.areas):
            check_factor(f"areas[{index}].factor", area.factor)
            for zip_index, pattern in enumerate(area.zips):
                if pattern in seen:
                    raise ValueError(f"areas[{index}].zips[{zip_index}]: ZIP {pattern} is already in "
                                     f"territory {seen[pattern]}")
                seen[pattern] = area.code


class BasePremium(Struct, forbid_unknown_fields=True, frozen=True):
    """Annual base premium by coverage level, before any factor."""

    basic: Decimal
    standard: Decimal
    premium: Decimal

    def __post_init__(self) -> None:
        for level in ("basic", "standard", "premium"):
            check_amount(level, getattr(self, level), positive=True)

    def for_level(self, level: CoverageLevel) -> Decimal:
        return getattr(self, level)


class VehicleFactors(Struct, forbid_unknown_fields=True, frozen=True):
    """Vehicle age is the policy's effective year minus the model year (next year's models are 0)."""

    type: dict[VehicleType, Decimal]
    age_bands: list[Band]
    safety_rating: dict[Annotated[int, Meta(ge=1, le=5)], Decimal]
    theft_risk: dict[TheftRisk, Decimal]

    def __post_init__(self) -> None:
        check_factors("type", self.type, VEHICLE_TYPES)
        check_bands("age_bands", self.age_bands)
        check_factors("safety_rating", self.safety_rating, range(1, 6))
        check_factors("theft_risk", self.theft_risk, THEFT_RISKS)


class DriverFactors(Struct, forbid_unknown_fields=True, frozen=True):
    """Per-driver factors. ``gender`` / ``marital_status`` are optional: many states forbid them."""

    age_bands: list[Band]
    years_licensed_bands: list[Band]
    violations: list[Band]
    at_fault_accidents: list[Band]
    credit_tier: dict[CreditTier, Decimal]
    no_credit: Decimal = Decimal(1)
    """Factor for a driver without a credit tier (no hit, or the partner does not send it)."""
    gender: dict[Gender, Decimal] | None = None
    marital_status: dict[MaritalStatus, Decimal] | None = None

    def __post_init__(self) -> None:
        for name in ("age_bands", "years_licensed_bands", "violations", "at_fault_accidents"):
            check_bands(name, getattr(self, name))
        check_factors("credit_tier", self.credit_tier, CREDIT_TIERS)
        check_factor("no_credit", self.no_credit)
        if self.gender is not None:
            check_factors("gender", self.gender, GENDERS)
        if self.marital_status is not None:
            check_factors("marital_status", self.marital_status, MARITAL_STATUSES)


class RateTableSpec(Struct, forbid_unknown_fields=True, frozen=True):
    """One rate table file: the rates of one tenant, state and product from ``effective_date``."""

    tenant: TenantId
    state: StateCode
    effective_date: dt.date
    base_premium: BasePremium
    coverages: CoverageLoads
    territories: Territories
    vehicle: VehicleFactors
    driver: DriverFactors
    mileage_bands: list[Band]
    """Annual mileage bands (miles per year)."""
    product: Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        check_bands("mileage_bands", self.mileage_bands)


FactorType = Literal["multiplicative", "additive", "base"]
FactorSource = Literal["base", "territory", "vehicle", "driver", "coverage", "telematics", "state_rule"]


class RatingFactor(Struct, frozen=True, forbid_unknown_fields=True):
    """One step of the premium: a name of ``RATING_FACTORS``, ``base``, ``coverage``, a rule id, or
    ``minimum_premium``; with what it did, in words a policyholder can follow."""

    name: str
    value: Decimal
    type: FactorType
    source: FactorSource
    explanation: str


class RatingResult(Struct, frozen=True, forbid_unknown_fields=True):
    """A priced (or declined) quote. A declined quote has premium 0, no factors, a reason and a rule."""

    premium: Decimal
    unrounded: Decimal
    base_premium: Decimal
    factors: list[RatingFactor]
    declined: bool = False
    decline_reason: str | None = None
    decline_rule: str | None = None
