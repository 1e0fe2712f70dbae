"""Driver factors, and the rule that rates a policy with several drivers.

The rule is the highest-rated operator rule: every listed driver gets a driver factor (the product
of their age, experience, violation, accident, credit and, where the table has them, gender and
marital factors, each after the state's exclusions and limits), and the policy's one vehicle is
rated with the driver whose factor is highest. Any listed driver may take the car, so the worst
risk among them sets the exposure; it also means adding a driver, or a violation to any driver,
can never lower the premium. Ties go to the primary driver, then to the first listed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from saas.rating.controls import FactorControls
from saas.rating.lookups import RateTable
from saas.rating.money import ONE, multiply
from saas.rating.quote import Driver
from saas.rating.schemas import RatingFactor


class DriverPart(NamedTuple):
    name: str
    table_value: Decimal
    used: Decimal
    label: str
    note: str | None


def driver_parts(driver: Driver, table: RateTable, controls: FactorControls) -> list[DriverPart]:
    """One driver's factors as the rate table gives them and as the state lets the premium use them."""
    rates = table.spec.driver
    found = [
        ("driver_age", *table.driver_age.find(driver.age)),
        ("years_licensed", *table.years_licensed.find(driver.years_licensed)),
        ("violations", *table.violations.find(driver.violations)),
        ("accidents", *table.accidents.find(driver.at_fault_accidents)),
        ("credit", rates.credit_tier[driver.credit_tier] if driver.credit_tier else rates.no_credit, ""),
    ]
    if rates.gender is not None:
        found.append(("gender", rates.gender[driver.gender], ""))
    if rates.marital_status is not None:
        found.append(("marital_status", rates.marital_status[driver.marital_status], ""))
    parts = []
    for name, value, label in found:
        used, note = controls.apply(name, value)
        parts.append(DriverPart(name, value, used, label, note))
    return parts


def rated_driver_factors(drivers: list[Driver], table: RateTable, controls: FactorControls) -> list[RatingFactor]:
    """The factors of the highest-rated driver, each explained with which driver it comes from."""
    order = sorted(range(len(drivers)), key=lambda i: not drivers[i].primary)
    best_index, best_parts, best_factor = -1, [], Decimal(0)
    for index in order:
        parts = driver_parts(drivers[index], table, controls)
        factor = ONE
        for part in parts:
            factor = multiply(factor, part.used)
        if best_index < 0 or factor > best_factor:
            best_index, best_parts, best_factor = index, parts, factor
    who = f"Driver {best_index + 1}" if len(drivers) == 1 else \
        f"Driver {best_index + 1} of {len(drivers)} (highest-rated: {best_factor:f} overall)"
    driver = drivers[best_index]
    return [
        RatingFactor(part.name, part.used, "multiplicative", "driver",
                     f"{who}: {_describe(part, driver)} ({part.table_value}){'; ' + part.note if part.note else ''}")
        for part in best_parts
    ]


def _describe(part: DriverPart, driver: Driver) -> str:
    name = part.name
    if name == "driver_age":
        return f"age {driver.age}, band {part.label}"
    if name == "years_licensed":
        return f"{_count(driver.years_licensed, 'year')} licensed, band {part.label}"
    if name == "violations":
        return f"{_count(driver.violations, 'moving violation')}, band {part.label}"
    if name == "accidents":
        return f"{_count(driver.at_fault_accidents, 'at-fault accident')}, band {part.label}"
    if name == "credit":
        return f"credit tier {driver.credit_tier}" if driver.credit_tier else "no credit tier given"
    if name == "gender":
        return f"gender {driver.gender}"
    return f"marital status {driver.marital_status}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
