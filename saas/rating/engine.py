"""The rating engine: one quote, one rate table, one ruleset evaluation → a premium with every step.

Pure and synchronous: the caller has already picked the table in effect, evaluated the state's
ruleset on the quote and mapped the shared model's score to a telematics multiplier, so rating is
Decimal arithmetic over pre-compiled lookups. The order (docs/rating.md) is fixed: base premium ×
coverage loads × territory × vehicle × driver (highest-rated driver) × mileage × telematics × rule
multipliers, then flat coverage loads and rule fees are added, then one ROUND_HALF_UP rounding to
the tenant's unit, then the tenant's minimum premium. A decline is a result, not an exception:
``declined=True``, premium 0, no factors, the rule's reason and id (the API maps it to its error).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from msgspec import Struct

from saas.errors import RatingError, ValidationFailed
from saas.money import ONE, ZERO, add, multiply, round_premium, subtract
from saas.quote.schemas import Quote
from saas.rating.controls import Evaluation, FactorControls, RuleAdjustment, rule_reason
from saas.rating.drivers import rated_driver_factors
from saas.rating.lookups import RateTable
from saas.rating.schemas import FactorType, RatingFactor, RatingResult
from saas.tenancy.schemas import TenantConfig


class TelematicsInput(Struct, frozen=True):
    """The telematics multiplier the caller computed from the shared model and the tenant mapping."""

    multiplier: Decimal
    explanation: str


def rate(quote: Quote, *, tenant: TenantConfig, table: RateTable, rules: Evaluation | None,
         forbidden_factors: frozenset[str], telematics: TelematicsInput | None) -> RatingResult:
    """Price ``quote``; raises RatingError when the table does not apply to it."""
    _check_applies(quote, tenant, table)
    base = table.spec.base_premium.for_level(quote.policy.coverage_level)
    decline = _decline(rules)
    if decline is not None:
        return RatingResult(premium=ZERO, unrounded=ZERO, base_premium=base, factors=[], declined=True,
                            decline_reason=decline.explain or f"declined by rule {decline.rule_id}",
                            decline_rule=decline.rule_id)
    controls = FactorControls(quote.policy.state, forbidden_factors, rules)
    factors = [RatingFactor("base", base, "base", "base",
                            f"Base premium for {quote.policy.coverage_level} coverage in {table.state}: ${base:,.2f}")]
    loads, flat_charges = coverage_factors(quote, table)
    factors += loads
    factors.append(territory_factor(quote, table, controls))
    factors.append(vehicle_factor(quote, table, controls))
    factors += rated_driver_factors(quote.drivers, table, controls)
    factors.append(mileage_factor(quote, table, controls))
    if telematics is not None:
        factors.append(telematics_factor(telematics, controls))
    factors += rule_factors(rules, "multiply")
    factors += flat_charges
    factors += rule_factors(rules, "add")
    return _total(base, factors, tenant)


def _check_applies(quote: Quote, tenant: TenantConfig, table: RateTable) -> None:
    policy = quote.policy
    if table.tenant != tenant.id:
        raise RatingError(f"rate table {table.source or table.content_hash} belongs to {table.tenant}, not {tenant.id}")
    if policy.state not in tenant.states:
        raise RatingError(f"tenant {tenant.id} does not write policies in {policy.state}")
    if table.state != policy.state or table.product != policy.product:
        raise RatingError(f"rate table is for {table.state} {table.product}, the quote for {policy.state} "
                          f"{policy.product}")
    if table.effective_date > policy.effective_date:
        raise RatingError(f"rate table takes effect {table.effective_date}, after the policy's "
                          f"{policy.effective_date}")


def _decline(rules: Evaluation | None) -> RuleAdjustment | None:
    if rules is None:
        return None
    if rules.declined is not None:
        return rules.declined
    return next((a for a in rules.adjustments if a.action == "decline"), None)


def coverage_factors(quote: Quote, table: RateTable) -> tuple[list[RatingFactor], list[RatingFactor]]:
    """([loads and deductible credit as one factor], [flat charges as one amount]), each list empty if none."""
    chosen, loads = quote.coverages, table.spec.coverages
    factor, flat, factor_parts, flat_parts = ONE, ZERO, [], []
    for name, label in _COVERAGES:
        load = getattr(loads, name)
        if load is None or not getattr(chosen, name):
            continue
        if load.multiply is not None:
            factor = multiply(factor, load.multiply)
            factor_parts.append(f"{label} ×{load.multiply}")
        elif load.add is not None:
            flat = add(flat, load.add)
            flat_parts.append(f"{label} +${load.add:,.2f}")
    credit = _deductible_credit(quote, table)
    if credit is not None:
        factor = multiply(factor, credit)
        factor_parts.append(f"${chosen.deductible:,.0f} deductible ×{credit}")
    multipliers = [RatingFactor("coverage", factor, "multiplicative", "coverage",
                                "Coverage loads: " + ", ".join(factor_parts))] if factor_parts else []
    charges = [RatingFactor("coverage", flat, "additive", "coverage",
                            "Flat coverage charges: " + ", ".join(flat_parts))] if flat_parts else []
    return multipliers, charges


_COVERAGES = (("collision", "collision"), ("comprehensive", "comprehensive"), ("pip", "personal injury protection"),
              ("uninsured_motorist", "uninsured motorist"))


def _deductible_credit(quote: Quote, table: RateTable) -> Decimal | None:
    """Deductibles belong to physical damage cover: no collision or comprehensive, no credit.

    The deductible must be one the table lists, exactly: a filed rate has no credit for $750 or
    $500.0000000001, and rounding to a neighbour would price a contract nobody offered."""
    chosen = quote.coverages
    credits = table.spec.coverages.deductible_credits
    if not credits or not (chosen.collision or chosen.comprehensive):
        return None
    for row in credits:
        if row.deductible == chosen.deductible:
            return row.factor
    offered = ", ".join(f"{row.deductible}" for row in credits)
    raise ValidationFailed(f"deductible {chosen.deductible} is not offered; the rate table lists {offered}",
                           path="$.coverages.deductible")


def territory_factor(quote: Quote, table: RateTable, controls: FactorControls) -> RatingFactor:
    zip_code = quote.policy.zip_code
    code, value, listed = table.territory(zip_code)
    used, note = controls.apply("territory", value)
    where = f"ZIP {zip_code} is in territory {code} ({value})" if listed else \
        f"ZIP {zip_code} is in no listed territory: default territory {code} ({value})"
    return RatingFactor("territory", used, "multiplicative", "territory", _with(where, note))


def vehicle_factor(quote: Quote, table: RateTable, controls: FactorControls) -> RatingFactor:
    """Type × age × safety × theft as one factor; the age is counted from the policy's year."""
    vehicle, rates = quote.vehicle, table.spec.vehicle
    age = max(0, quote.policy.effective_date.year - vehicle.model_year)
    age_factor, band = table.vehicle_age.find(age)
    type_factor = rates.type[vehicle.vehicle_type]
    safety, theft = rates.safety_rating[vehicle.safety_rating], rates.theft_risk[vehicle.theft_risk]
    value = multiply(multiply(multiply(type_factor, age_factor), safety), theft)
    used, note = controls.apply("vehicle", value)
    what = (f"{vehicle.model_year} {vehicle.vehicle_type}, {age} years old: type {type_factor} × age band {band} "
            f"{age_factor} × safety rating {vehicle.safety_rating} {safety} × {vehicle.theft_risk} theft risk {theft}")
    return RatingFactor("vehicle", used, "multiplicative", "vehicle", _with(what, note))


def mileage_factor(quote: Quote, table: RateTable, controls: FactorControls) -> RatingFactor:
    miles = quote.vehicle.annual_mileage
    value, band = table.mileage.find(miles)
    used, note = controls.apply("mileage", value)
    return RatingFactor("mileage", used, "multiplicative", "vehicle",
                        _with(f"{miles:,} miles a year, band {band} ({value})", note))


def telematics_factor(telematics: TelematicsInput, controls: FactorControls) -> RatingFactor:
    if not (telematics.multiplier.is_finite() and telematics.multiplier > 0):
        raise RatingError(f"telematics multiplier must be positive, got {telematics.multiplier}")
    used, note = controls.apply("telematics", telematics.multiplier)
    return RatingFactor("telematics", used, "multiplicative", "telematics", _with(telematics.explanation, note))


def rule_factors(rules: Evaluation | None, action: Literal["multiply", "add"]) -> list[RatingFactor]:
    """The ``multiply`` or ``add`` actions in ruleset order (limits and exclusions were applied already)."""
    out = []
    for adjustment in rules.adjustments if rules is not None else ():
        if adjustment.action != action:
            continue
        if adjustment.value is None:
            raise RatingError(f"rule {adjustment.rule_id}: '{adjustment.action}' has no value")
        kind: FactorType = "multiplicative" if adjustment.action == "multiply" else "additive"
        shown = f"×{adjustment.value}" if kind == "multiplicative" else f"+${adjustment.value:,.2f}"
        out.append(RatingFactor(adjustment.rule_id, adjustment.value, kind, "state_rule",
                                f"{shown} by {rule_reason(adjustment)}"))
    return out


def _total(base: Decimal, factors: list[RatingFactor], tenant: TenantConfig) -> RatingResult:
    """Multiply the multiplicative factors, add the additive ones, round once, then apply the minimum."""
    product, fees = base, ZERO
    for factor in factors:
        if factor.type == "multiplicative":
            product = multiply(product, factor.value)
        elif factor.type == "additive":
            fees = add(fees, factor.value)
    unrounded = add(product, fees)
    pricing = tenant.pricing
    premium = round_premium(unrounded, pricing.rounding_unit)
    if premium < pricing.minimum_premium:
        raise_by = subtract(pricing.minimum_premium, premium)
        factors.append(RatingFactor("minimum_premium", raise_by, "additive", "base",
                                    f"Raised by ${raise_by:,.2f} to the minimum premium of "
                                    f"${pricing.minimum_premium:,.2f}"))
        premium = pricing.minimum_premium
    return RatingResult(premium=premium, unrounded=unrounded, base_premium=base, factors=factors)


def _with(text: str, note: str | None) -> str:
    return f"{text}; {note}" if note else text
