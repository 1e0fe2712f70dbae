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

from saas.money import ONE, multiply
from saas.quote.schemas import Driver
from saas.rating.controls import FactorControls
from saas.rating.lookups import RateTable
from saas.rating.schemas import RatingFactor

Found = list[tuple[str, Decimal, str]]
"""(factor name, rate table value, band label) for each driver factor of one driver."""


def driver_lookups(driver: Driver, table: RateTable) -> Found:
    """One driver's factors as the rate table gives them, before any state control."""
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
    return found


def driver_factor(found: Found, controls: FactorControls) -> Decimal:
    """The product of one driver's factors as the premium may use them."""
    factor, touched = ONE, controls.touched
    for name, value, _ in found:
        factor = multiply(factor, controls.apply(name, value)[0] if name in touched else value)
    return factor


def rated_driver_factors(drivers: list[Driver], table: RateTable, controls: FactorControls) -> list[RatingFactor]:
    """The factors of the highest-rated driver, each explained with which driver it comes from."""
    best_index, best_found, who = 0, driver_lookups(drivers[0], table), "Driver 1"
    if len(drivers) > 1:
        best_factor = Decimal(-1)
        for index in sorted(range(len(drivers)), key=lambda i: not drivers[i].primary):
            found = driver_lookups(drivers[index], table)
            factor = driver_factor(found, controls)
            if factor > best_factor:
                best_index, best_found, best_factor = index, found, factor
        who = f"Driver {best_index + 1} of {len(drivers)} (highest-rated: {best_factor:f} overall)"
    driver, out = drivers[best_index], []
    for name, value, label in best_found:
        used, note = controls.apply(name, value)
        text = f"{who}: {_describe(name, label, driver)} ({value})"
        out.append(RatingFactor(name, used, "multiplicative", "driver", f"{text}; {note}" if note else text))
    return out


def _describe(name: str, label: str, driver: Driver) -> str:
    if name == "driver_age":
        return f"age {driver.age}, band {label}"
    if name == "years_licensed":
        return f"{_count(driver.years_licensed, 'year')} licensed, band {label}"
    if name == "violations":
        return f"{_count(driver.violations, 'moving violation')}, band {label}"
    if name == "accidents":
        return f"{_count(driver.at_fault_accidents, 'at-fault accident')}, band {label}"
    if name == "credit":
        return f"credit tier {driver.credit_tier}" if driver.credit_tier else "no credit tier given"
    if name == "gender":
        return f"gender {driver.gender}"
    return f"marital status {driver.marital_status}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
