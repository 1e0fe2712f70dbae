"""Small builders for rating tests: a rate table with round numbers, a tenant, quotes, rule results.

The rate table's numbers are chosen so worked examples can be multiplied out by hand; its factors
rise with every surcharge (violations, accidents, theft risk) so monotonicity can be tested.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from saas.quote.schemas import Quote
from saas.rating.lookups import RateTable
from saas.rating.tables import parse_rate_table
from saas.tenancy.schemas import TenantConfig

TABLE_YAML = """\
tenant: acme
state: TX
product: auto
effective_date: 2026-01-01
base_premium: {basic: 800, standard: 1000, premium: 1250}
coverages:
  collision: {multiply: 1.10}
  comprehensive: {multiply: 1.05}
  pip: {add: 80}
  uninsured_motorist: {add: 40}
  deductible_credits:
    - {deductible: 0, factor: 1.10}
    - {deductible: 500, factor: 1.00}
    - {deductible: 1000, factor: 0.90}
territories:
  default: {code: TX-REST, factor: 1.00}
  areas:
    - {code: TX-HOU, factor: 1.20, zips: ["770"]}
    - {code: TX-HOU-DT, factor: 1.30, zips: ["77002"]}
vehicle:
  type: {sedan: 1.00, suv: 1.10, truck: 1.10, van: 1.00, sports: 1.50, ev: 1.00}
  age_bands:
    - {from: 0, to: 3, factor: 1.10}
    - {from: 4, factor: 1.00}
  safety_rating: {1: 1.20, 2: 1.10, 3: 1.00, 4: 0.95, 5: 0.90}
  theft_risk: {low: 0.90, medium: 1.00, high: 1.20}
driver:
  age_bands:
    - {from: 0, to: 24, factor: 1.50}
    - {from: 25, to: 69, factor: 1.00}
    - {from: 70, factor: 1.20}
  years_licensed_bands:
    - {from: 0, to: 2, factor: 1.25}
    - {from: 3, factor: 1.00}
  violations:
    - {from: 0, to: 0, factor: 1.00}
    - {from: 1, to: 1, factor: 1.20}
    - {from: 2, factor: 1.50}
  at_fault_accidents:
    - {from: 0, to: 0, factor: 1.00}
    - {from: 1, factor: 1.40}
  credit_tier: {excellent: 0.90, good: 0.95, fair: 1.05, poor: 1.20}
  no_credit: 1.00
  gender: {female: 0.95, male: 1.05, nonbinary: 1.00, unspecified: 1.00}
  marital_status: {single: 1.05, married: 0.95, divorced: 1.00, widowed: 1.00, unspecified: 1.00}
mileage_bands:
  - {from: 0, to: 7499, factor: 0.90}
  - {from: 7500, to: 14999, factor: 1.00}
  - {from: 15000, factor: 1.10}
"""


def table(text: str = TABLE_YAML) -> RateTable:
    parsed, issues = parse_rate_table(text, "acme/rates/TX-auto.yaml")
    assert parsed is not None, [issue.render() for issue in issues]
    return parsed


def tenant(*, minimum: str = "0", unit: str = "0.01", tenant_id: str = "acme",
           states: tuple[str, ...] = ("TX", "CA")) -> TenantConfig:
    return msgspec.convert({
        "id": tenant_id, "name": "Acme Mutual", "states": list(states), "features_enabled": ["behavioral"],
        "pricing": {"target_spread": Decimal("0.3"), "max_discount": Decimal("0.25"),
                    "max_surcharge": Decimal("0.4"), "minimum_premium": Decimal(minimum),
                    "rounding_unit": Decimal(unit),
                    "tiers": [{"name": "A", "up_to_percentile": Decimal(100), "label": "All"}]},
    }, TenantConfig)


DRIVER = {"age": 40, "years_licensed": 10, "violations": 1, "credit_tier": "good", "gender": "female",
          "marital_status": "married", "primary": True}


def quote(*, drivers: list[dict[str, Any]] | None = None, policy: dict[str, Any] | None = None,
          vehicle: dict[str, Any] | None = None, coverages: dict[str, Any] | None = None) -> Quote:
    """Worked example A's quote; keyword dicts override parts of it."""
    return msgspec.convert({
        "policy": {"state": "TX", "zip_code": "77002", "effective_date": "2026-06-01", **(policy or {})},
        "vehicle": {"model_year": 2020, "vehicle_type": "sedan", "safety_rating": 4, "theft_risk": "high",
                    "annual_mileage": 12_000, **(vehicle or {})},
        "drivers": drivers if drivers is not None else [DRIVER],
        "coverages": {"pip": True, "deductible": "500", **(coverages or {})},
    }, Quote)


