"""The typed quote: what an insurer system sends to be priced.

This struct is a contract in two directions: the API decodes request bodies into it (strictly,
unknown fields refused) and the rules DSL type-checks every ``when`` expression against it, so a
ruleset can only read fields that exist here, with the types declared here. Field names are the
DSL's field paths (``policy.state``, ``vehicle.model_year``, ``drivers``, ``telematics.miles``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from saas.errors import field_error

StateCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", description="US state, two letters")]
Zip = Annotated[str, Meta(pattern=r"^[0-9]{5}$", description="5-digit ZIP code")]
Count = Annotated[int, Meta(ge=0, le=100)]
Ratio = Annotated[float, Meta(ge=0.0, le=1.0)]
Rate = Annotated[float, Meta(ge=0.0, le=10_000.0)]
_INVISIBLE = r"\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff"
FREE_TEXT = rf"^[^\x00-\x1f{_INVISIBLE}]*$"
MULTILINE_TEXT = rf"^[^\x00-\x08\x0b-\x1f{_INVISIBLE}]*$"
"""Free text a partner sends (references, ids, messages) is echoed in responses, logs, CSV exports
and rate-version histories: control characters (NUL, escape, line breaks), zero-width and bidi
override characters (which make ``txet`` read as ``text``) and lone surrogates are refused.
``MULTILINE_TEXT`` (messages) also allows tabs and line breaks."""


def free_text(max_length: int, min_length: int = 0, *, multiline: bool = False) -> Meta:
    """Constraints of a ``str`` of printable characters only: ``Annotated[str, free_text(100)]``."""
    return Meta(min_length=min_length, max_length=max_length, pattern=MULTILINE_TEXT if multiline else FREE_TEXT,
                description="printable text: no control, zero-width or bidi characters")


EFFECTIVE_DATE_HORIZON_DAYS = 730
"""How far ahead a policy may take effect (two years): a date decades ahead is a typo, and no rate
table filed today can be said to be in effect then."""
MAX_DEDUCTIBLE = Decimal(10_000)
AMOUNT_SCHEMA = {"extra": {
    "type": None, "one_of": [{"type": "number"}, {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"}],
    "description": "dollars and cents, as a JSON number or a string: 500, \"500\", \"500.00\""}}
"""An amount is decoded from a JSON number or string alike; the OpenAPI document says both (``extra``
is what Litestar copies onto the generated schema)."""

CoverageLevel = Literal["basic", "standard", "premium"]
Transaction = Literal["new", "renewal"]
VehicleType = Literal["sedan", "suv", "truck", "van", "sports", "ev"]
TheftRisk = Literal["low", "medium", "high"]
CreditTier = Literal["excellent", "good", "fair", "poor"]
Gender = Literal["female", "male", "nonbinary", "unspecified"]
MaritalStatus = Literal["single", "married", "divorced", "widowed", "unspecified"]


class Policy(Struct, forbid_unknown_fields=True, frozen=True):
    """Where and when the policy is written; ``state`` selects the ruleset and rate table."""

    state: StateCode
    zip_code: Zip
    effective_date: dt.date
    product: Literal["auto"] = "auto"
    coverage_level: CoverageLevel = "standard"
    term_months: Annotated[int, Meta(ge=1, le=12)] = 12
    years_with_company: Count = 0
    prior_insurance: bool = True
    transaction: Transaction = "new"
    """New business or a renewal: rate filings may give each its own effective date."""

    def __post_init__(self) -> None:
        horizon = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=EFFECTIVE_DATE_HORIZON_DAYS)
        if self.effective_date > horizon:
            raise field_error("effective_date", f"must be at most {EFFECTIVE_DATE_HORIZON_DAYS} days ahead "
                                                f"(on or before {horizon}), got {self.effective_date}")


class Vehicle(Struct, forbid_unknown_fields=True, frozen=True):
    model_year: Annotated[int, Meta(ge=1950, le=2100)]
    vehicle_type: VehicleType = "sedan"
    safety_rating: Annotated[int, Meta(ge=1, le=5)] = 4
    theft_risk: TheftRisk = "medium"
    annual_mileage: Annotated[int, Meta(ge=0, le=200_000)] = 12_000
    mileage_verified: bool = False
    vin: Annotated[str, Meta(min_length=11, max_length=17)] | None = None


class Driver(Struct, forbid_unknown_fields=True, frozen=True):
    """One listed driver. Sensitive attributes exist so state rules can forbid rating on them."""

    age: Annotated[int, Meta(ge=14, le=120)]
    years_licensed: Count
    violations: Count = 0
    at_fault_accidents: Count = 0
    credit_tier: CreditTier | None = None
    gender: Gender = "unspecified"
    marital_status: MaritalStatus = "unspecified"
    primary: bool = False


class Coverages(Struct, forbid_unknown_fields=True, frozen=True):
    liability: bool = True
    collision: bool = True
    comprehensive: bool = True
    pip: bool = False
    uninsured_motorist: bool = False
    deductible: Annotated[Decimal, Meta(extra_json_schema=AMOUNT_SCHEMA)] = Decimal("500")

    def __post_init__(self) -> None:
        """An amount in dollars and cents; whether the rate table offers it is checked when rating."""
        value = self.deductible
        if (not value.is_finite() or value.is_signed() or int(value.as_tuple().exponent) < -2
                or value > MAX_DEDUCTIBLE):
            shown = str(value) if len(str(value)) <= 24 else str(value)[:20] + "..."
            raise field_error("deductible", f"must be an amount from 0 to {MAX_DEDUCTIBLE} with at most two "
                                            f"decimals, got {shown}")


class Telematics(Struct, forbid_unknown_fields=True, frozen=True):
    """A driver's aggregated period features: the shared model's inputs (ml/ FEATURE_COLUMNS)."""

    hard_braking_events_per_100mi: Rate
    aggressive_turning_events_per_100mi: Rate
    tailgating_time_ratio: Ratio
    speeding_minutes_per_100mi: Rate
    late_night_miles_per_100mi: Rate
    miles: Annotated[float, Meta(ge=0.0, le=100_000.0)]
    prior_claim_count: Count = 0
    months_observed: Annotated[int, Meta(ge=0, le=120)] = 1
    phone_use_minutes_per_100mi: Rate | None = None


class Quote(Struct, forbid_unknown_fields=True, frozen=True):
    """A request to price one policy; ``telematics`` absent means rate without the telematics factor."""

    policy: Policy
    vehicle: Vehicle
    drivers: Annotated[list[Driver], Meta(min_length=1, max_length=10)]
    coverages: Coverages = msgspec.field(default_factory=Coverages)
    telematics: Telematics | None = None
    reference: Annotated[str, free_text(100)] | None = None
