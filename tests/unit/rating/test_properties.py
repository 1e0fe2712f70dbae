"""Properties of the rating engine over random quotes, rule results and tenant settings."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.quote.factors import RATING_FACTORS
from saas.quote.schemas import Coverages, Driver, Policy, Quote, Vehicle
from saas.rating.engine import TelematicsInput, rate
from saas.rating.schemas import RatingResult
from saas.rules.schemas import Adjustment, Evaluation
from saas.tenancy.schemas import TenantConfig
from tests.unit.rating.builders import table, tenant

pytestmark = pytest.mark.unit

TABLE = table()
FACTOR_NAMES = sorted(RATING_FACTORS)
THEFT_LEVELS = ("low", "medium", "high")


def two_places(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=2)


drivers = st.builds(
    Driver,
    age=st.integers(16, 90), years_licensed=st.integers(0, 50), violations=st.integers(0, 5),
    at_fault_accidents=st.integers(0, 4), credit_tier=st.sampled_from([None, "excellent", "good", "fair", "poor"]),
    gender=st.sampled_from(["female", "male", "nonbinary", "unspecified"]),
    marital_status=st.sampled_from(["single", "married", "divorced", "widowed", "unspecified"]),
    primary=st.booleans(),
)
quotes = st.builds(
    Quote,
    policy=st.builds(Policy, state=st.just("TX"), zip_code=st.sampled_from(["77002", "77010", "75001", "78701"]),
                     effective_date=st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
                     coverage_level=st.sampled_from(["basic", "standard", "premium"])),
    vehicle=st.builds(Vehicle, model_year=st.integers(1990, 2028),
                      vehicle_type=st.sampled_from(["sedan", "suv", "truck", "van", "sports", "ev"]),
                      safety_rating=st.integers(1, 5), theft_risk=st.sampled_from(THEFT_LEVELS),
                      annual_mileage=st.integers(0, 60_000)),
    drivers=st.lists(drivers, min_size=1, max_size=4),
    coverages=st.builds(Coverages, collision=st.booleans(), comprehensive=st.booleans(), pip=st.booleans(),
                        uninsured_motorist=st.booleans(), deductible=st.sampled_from([Decimal(d) for d in
                                                                                      (0, 500, 1000)])),
)
telematics = st.none() | st.builds(TelematicsInput, multiplier=two_places("0.50", "2.00"), explanation=st.just("t"))
bounds = st.sampled_from([None, Decimal("0.80"), Decimal("1.00"), Decimal("1.20")])


@st.composite
def adjustments(draw: st.DrawFn) -> Adjustment:
    action = draw(st.sampled_from(["multiply", "add", "limit", "exclude"]))
    rule_id = f"rule-{draw(st.integers(1, 99))}"
    if action == "multiply":
        return Adjustment(rule_id, "multiply", value=draw(two_places("0.70", "1.30")), explain="m")
    if action == "add":
        return Adjustment(rule_id, "add", value=draw(two_places("0", "200")), explain="a")
    factor = draw(st.sampled_from(FACTOR_NAMES))
    if action == "exclude":
        return Adjustment(rule_id, "exclude", factor=factor, explain="x", cite="§1")
    low, high = draw(bounds), draw(bounds)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Adjustment(rule_id, "limit", factor=factor, min=low, max=high, explain="l")


evaluations = st.none() | st.builds(Evaluation, adjustments=st.lists(adjustments(), max_size=4))
forbidden = st.frozensets(st.sampled_from(FACTOR_NAMES), max_size=4)
tenants = st.builds(tenant, minimum=st.sampled_from(["0", "300", "900", "2500"]),
                    unit=st.sampled_from(["0.01", "1", "0.05"]))


def priced(quote: Quote, config: TenantConfig, rules: Evaluation | None, banned: frozenset[str],
           tele: TelematicsInput | None) -> RatingResult:
    return rate(quote, tenant=config, table=TABLE, rules=rules, forbidden_factors=banned, telematics=tele)


def one_rounding(amount: Decimal, unit: Decimal) -> Decimal:
    """An independent half-up rounding to a multiple of ``unit``, at a generous precision."""
    with localcontext(prec=60):
        return (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


@settings(max_examples=300, deadline=None)
@given(quotes, tenants, evaluations, forbidden, telematics)
def test_premium_is_one_rounding_of_the_explained_product(
    quote: Quote, config: TenantConfig, rules: Evaluation | None, banned: frozenset[str], tele: TelematicsInput | None
) -> None:
    result = priced(quote, config, rules, banned, tele)
    minimum = config.pricing.minimum_premium
    assert result.premium > 0
    assert result.premium >= minimum
    assert result.premium == max(one_rounding(result.unrounded, config.pricing.rounding_unit), minimum)
    with localcontext(prec=60):
        product, fees = Decimal(0), Decimal(0)
        for factor in result.factors:
            if factor.type == "base":
                product = factor.value
            elif factor.type == "multiplicative":
                product *= factor.value
            elif factor.name != "minimum_premium":
                fees += factor.value
        assert abs(product + fees - result.unrounded) < Decimal("1e-18")
    for factor in result.factors:
        if factor.name in banned:
            assert factor.value == 1
            assert "forbids rating on" in factor.explanation
    excluded = {a.factor for a in (rules.adjustments if rules else []) if a.action == "exclude"}
    assert all(f.value == 1 for f in result.factors if f.name in excluded)
    assert any(f.name == "telematics" for f in result.factors) == (tele is not None)
    assert any(f.source == "telematics" for f in result.factors) == (tele is not None)


def bump_driver(quote: Quote, index: int, field: str) -> Quote:
    chosen = quote.drivers[index % len(quote.drivers)]
    bumped = msgspec.structs.replace(chosen, **{field: getattr(chosen, field) + 1})
    drivers = [bumped if d is chosen else d for d in quote.drivers]
    return msgspec.structs.replace(quote, drivers=drivers)


@settings(max_examples=150, deadline=None)
@given(quotes, tenants, evaluations, forbidden, telematics, st.integers(0, 3),
       st.sampled_from(["violations", "at_fault_accidents"]))
def test_more_violations_or_accidents_never_lower_the_premium(
    quote: Quote, config: TenantConfig, rules: Evaluation | None, banned: frozenset[str],
    tele: TelematicsInput | None, index: int, field: str,
) -> None:
    before = priced(quote, config, rules, banned, tele)
    after = priced(bump_driver(quote, index, field), config, rules, banned, tele)
    assert after.unrounded >= before.unrounded
    assert after.premium >= before.premium


@settings(max_examples=150, deadline=None)
@given(quotes, tenants, evaluations, forbidden, telematics)
def test_higher_theft_risk_never_lowers_the_premium(
    quote: Quote, config: TenantConfig, rules: Evaluation | None, banned: frozenset[str], tele: TelematicsInput | None
) -> None:
    premiums = []
    for level in THEFT_LEVELS:
        vehicle = msgspec.structs.replace(quote.vehicle, theft_risk=level)
        premiums.append(priced(msgspec.structs.replace(quote, vehicle=vehicle), config, rules, banned, tele).premium)
    assert premiums == sorted(premiums)


@settings(max_examples=150, deadline=None)
@given(quotes, tenants, evaluations, forbidden, two_places("0.50", "2.00"), two_places("0", "0.50"))
def test_a_higher_telematics_multiplier_never_lowers_the_premium(
    quote: Quote, config: TenantConfig, rules: Evaluation | None, banned: frozenset[str], low: Decimal, step: Decimal
) -> None:
    before = priced(quote, config, rules, banned, TelematicsInput(low, "t"))
    after = priced(quote, config, rules, banned, TelematicsInput(low + step, "t"))
    assert after.premium >= before.premium


@settings(max_examples=100, deadline=None)
@given(quotes, tenants, evaluations, st.text(min_size=1, max_size=40), st.integers(1, 99))
def test_declines_carry_a_reason_and_the_rule(
    quote: Quote, config: TenantConfig, rules: Evaluation | None, reason: str, number: int
) -> None:
    decline = Adjustment(f"decline-{number}", "decline", explain=reason)
    declining = Evaluation([*(rules.adjustments if rules else []), decline], declined=decline)
    result = priced(quote, config, declining, frozenset(), None)
    assert result.declined
    assert (result.premium, result.factors) == (Decimal(0), [])
    assert result.decline_rule == f"decline-{number}"
    assert result.decline_reason == reason
