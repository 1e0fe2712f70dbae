"""Worked examples of the rating engine, multiplied out by hand to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saas.errors import RatingError
from saas.money import round_premium
from saas.rating.engine import TelematicsInput, rate
from saas.rating.schemas import RatingResult
from saas.rules.schemas import Adjustment, Evaluation
from tests.unit.rating.builders import DRIVER, quote, table, tenant

pytestmark = pytest.mark.unit

TABLE = table()
TELEMATICS = TelematicsInput(Decimal("0.90"), "Risk score 0.31, below the baseline: multiplier 0.90")
NONE: frozenset[str] = frozenset()


def factor_values(result: RatingResult) -> dict[tuple[str, str], Decimal]:
    return {(f.name, f.type): f.value for f in result.factors}


def test_example_a_every_factor_by_hand() -> None:
    """1000 × 1.155 × 1.30 × 1.14 × 1.20 × 0.95 × 0.95 × 0.95 × 0.90 = 1584.98355015; + 80 PIP."""
    result = rate(quote(), tenant=tenant(), table=TABLE, rules=None, forbidden_factors=NONE, telematics=TELEMATICS)
    values = factor_values(result)
    assert values[("coverage", "multiplicative")] == Decimal("1.155")  # collision 1.10 × comprehensive 1.05 × $500 1.00
    assert values[("coverage", "additive")] == Decimal("80")
    assert values[("territory", "multiplicative")] == Decimal("1.30")  # 77002 beats the 770 prefix
    assert values[("vehicle", "multiplicative")] == Decimal("1.14")  # 1 × 1 (6 years) × 0.95 × 1.2 (high theft)
    assert values[("violations", "multiplicative")] == Decimal("1.20")
    assert values[("telematics", "multiplicative")] == Decimal("0.90")
    assert result.unrounded == Decimal("1664.98355015")
    assert result.premium == Decimal("1664.98")
    assert result.base_premium == Decimal("1000")
    assert not result.declined
    assert [f.name for f in result.factors] == [
        "base", "coverage", "territory", "vehicle", "driver_age", "years_licensed", "violations",
        "accidents", "credit", "gender", "marital_status", "mileage", "telematics", "coverage"]


def test_example_a_explanations_are_plain_language() -> None:
    result = rate(quote(), tenant=tenant(), table=TABLE, rules=None, forbidden_factors=NONE, telematics=TELEMATICS)
    text = {(f.name, f.type): f.explanation for f in result.factors}
    assert text[("territory", "multiplicative")].startswith("ZIP 77002 is in territory TX-HOU-DT (1.3")
    assert text[("coverage", "additive")] == "Flat coverage charges: personal injury protection +$80.00"
    assert text[("coverage", "multiplicative")].startswith("Coverage loads: collision ×1.1")
    assert text[("violations", "multiplicative")].startswith("Driver 1: 1 moving violation, band 1 (1.2")
    assert text[("mileage", "multiplicative")].startswith("12,000 miles a year, band 7,500–14,999")
    assert text[("telematics", "multiplicative")] == TELEMATICS.explanation


def test_example_b_state_rules_and_forbidden_factors() -> None:
    """Gender and credit forbidden, marital status excluded, telematics limited to 1, ×0.80, +$25.

    1000 × 1.155 × 1.30 × 1.14 × 1.20 × 0.80 = 1643.2416; + 80 PIP + 25 fee = 1748.2416.
    """
    rules = Evaluation([
        Adjustment("behaviour-not-a-factor", "limit", factor="telematics", min=Decimal(1), max=Decimal(1),
                   explain="usage-based rating from verified mileage only", cite="Cal. Ins. Code §1861.02"),
        Adjustment("no-marital", "exclude", factor="marital_status", explain="marital status may not be used"),
        Adjustment("good-driver", "multiply", value=Decimal("0.80"), explain="Good driver discount"),
        Adjustment("policy-fee", "add", value=Decimal("25"), explain="Policy fee"),
    ])
    result = rate(quote(), tenant=tenant(), table=TABLE, rules=rules, forbidden_factors=frozenset({"gender", "credit"}),
                  telematics=TELEMATICS)
    values = factor_values(result)
    assert values[("gender", "multiplicative")] == 1
    assert values[("credit", "multiplicative")] == 1
    assert values[("marital_status", "multiplicative")] == 1
    assert values[("telematics", "multiplicative")] == 1
    assert values[("good-driver", "multiplicative")] == Decimal("0.80")
    assert values[("policy-fee", "additive")] == Decimal("25")
    assert result.unrounded == Decimal("1748.2416")
    assert result.premium == Decimal("1748.24")
    text = {f.name: f.explanation for f in result.factors}
    assert "TX forbids rating on the gender factor" in text["gender"]
    assert "not used: rule no-marital: marital status may not be used" in text["marital_status"]
    assert "limited to [1, 1] by rule behaviour-not-a-factor" in text["telematics"]
    assert "(Cal. Ins. Code §1861.02)" in text["telematics"]
    assert [(f.name, f.source) for f in result.factors][-3:] == [  # in the order they apply
        ("good-driver", "state_rule"), ("coverage", "coverage"), ("policy-fee", "state_rule")]


def test_example_c_minimum_premium() -> None:
    """800 × 0.81 × 0.90 × 0.95 × 0.95 × 0.90 = 473.7042 → 473.70, raised to the $900 minimum."""
    cheap = quote(policy={"zip_code": "75001", "coverage_level": "basic"},
                  vehicle={"safety_rating": 5, "theft_risk": "low", "annual_mileage": 5_000},
                  coverages={"collision": False, "comprehensive": False, "pip": False},
                  drivers=[{**DRIVER, "violations": 0, "credit_tier": "excellent"}])
    result = rate(cheap, tenant=tenant(minimum="900"), table=TABLE, rules=None, forbidden_factors=NONE,
                  telematics=None)
    assert result.unrounded == Decimal("473.7042")
    assert result.premium == Decimal("900")
    assert result.factors[-1].name == "minimum_premium"
    assert result.factors[-1].value == Decimal("426.30")
    assert all(f.name != "coverage" for f in result.factors)  # no loads, no deductible credit without PD cover


def test_rounding_unit_of_the_tenant() -> None:
    result = rate(quote(), tenant=tenant(unit="1"), table=TABLE, rules=None, forbidden_factors=NONE,
                  telematics=TELEMATICS)
    assert result.premium == Decimal("1665")


@pytest.mark.parametrize(("amount", "unit", "expected"), [
    ("100.125", "0.01", "100.13"),  # half up, where half even would give 100.12
    ("100.115", "0.01", "100.12"),
    ("2.5", "1", "3"),
    ("1664.98355015", "0.05", "1665.00"),
    ("1662.49", "5", "1660"),
    ("1662.50", "5", "1665"),
])
def test_round_premium_rounds_half_up_once(amount: str, unit: str, expected: str) -> None:
    rounded = round_premium(Decimal(amount), Decimal(unit))
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_highest_rated_driver_sets_the_driver_factors() -> None:
    """A 19-year-old with 1 year licensed (1.50 × 1.25) outranks the primary driver (1.20 × 0.95 × 0.95 × 0.95)."""
    young = {"age": 19, "years_licensed": 1}
    result = rate(quote(drivers=[DRIVER, young]), tenant=tenant(), table=TABLE, rules=None,
                  forbidden_factors=NONE, telematics=None)
    values = factor_values(result)
    assert values[("driver_age", "multiplicative")] == Decimal("1.50")
    assert values[("years_licensed", "multiplicative")] == Decimal("1.25")
    assert values[("violations", "multiplicative")] == 1
    assert "Driver 2 of 2" in {f.name: f.explanation for f in result.factors}["driver_age"]


def test_tied_drivers_rate_on_the_primary_driver() -> None:
    first = {"age": 40, "years_licensed": 10, "gender": "male", "marital_status": "single"}
    primary = {**first, "primary": True}
    result = rate(quote(drivers=[first, primary]), tenant=tenant(), table=TABLE, rules=None,
                  forbidden_factors=NONE, telematics=None)
    assert "Driver 2 of 2" in result.factors[5].explanation


def test_decline_is_a_result_with_reason_and_rule() -> None:
    decline = Adjustment("no-commercial-use", "decline", explain="Vehicles used commercially are not written")
    result = rate(quote(), tenant=tenant(), table=TABLE, rules=Evaluation([decline], declined=decline),
                  forbidden_factors=NONE, telematics=TELEMATICS)
    assert result.declined
    assert result.premium == 0
    assert result.factors == []
    assert result.decline_rule == "no-commercial-use"
    assert result.decline_reason == "Vehicles used commercially are not written"


def test_no_telematics_means_no_telematics_factor_even_when_a_rule_limits_it() -> None:
    limit = Adjustment("cap", "limit", factor="telematics", min=Decimal(1), max=Decimal(1))
    result = rate(quote(), tenant=tenant(), table=TABLE, rules=Evaluation([limit]), forbidden_factors=NONE,
                  telematics=None)
    assert all(f.source != "telematics" for f in result.factors)
    assert result.unrounded == Decimal("1841.0928335")  # 1584.98355015 / 0.90 + 80


def test_next_years_model_counts_as_a_new_vehicle() -> None:
    result = rate(quote(vehicle={"model_year": 2027}), tenant=tenant(), table=TABLE, rules=None,
                  forbidden_factors=NONE, telematics=None)
    vehicle = next(f for f in result.factors if f.name == "vehicle")
    assert vehicle.value == Decimal("1.254")  # new: age band 0–3 (1.10) × 0.95 × 1.20
    assert "0 years old" in vehicle.explanation


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"tenant": tenant(tenant_id="other")}, "belongs to acme"),
    ({"quote": quote(policy={"state": "CA"})}, "rate table is for TX auto"),
    ({"quote": quote(policy={"effective_date": "2025-12-31"})}, "takes effect 2026-01-01"),
])
def test_a_table_that_does_not_apply_is_a_rating_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"quote": quote(), "tenant": tenant(), "table": TABLE, "rules": None,
                               "forbidden_factors": NONE, "telematics": None, **kwargs}
    with pytest.raises(RatingError, match=message):
        rate(**args)  # type: ignore[arg-type]


def test_a_limit_without_a_factor_is_a_rating_error() -> None:
    broken = Evaluation([Adjustment("bad", "limit", min=Decimal(1))])
    with pytest.raises(RatingError, match="names no factor"):
        rate(quote(), tenant=tenant(), table=TABLE, rules=broken, forbidden_factors=NONE, telematics=None)
