"""Seeded random quotes for tests, benchmarks and demos.

Plausible, not uniform: ages, experience and incidents are drawn so that every rating band, every
state rule and both telematics/no-telematics paths are exercised in a few hundred quotes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from saas.quote.schemas import Coverages, CreditTier, Driver, Policy, Quote, Telematics, Vehicle, VehicleType

ZIPS: dict[str, tuple[str, ...]] = {
    "CA": ("90001", "94103", "95814", "92101"), "NY": ("10001", "11201", "12207", "14604"),
    "TX": ("75201", "77002", "78701", "79901"), "FL": ("33101", "32801", "32301", "33602"),
    "MI": ("48201", "49503", "48933", "48104"), "MA": ("02108", "01103", "01608", "02740"),
    "HI": ("96813", "96720", "96766", "96793"),
}
VEHICLE_TYPES: tuple[VehicleType, ...] = ("sedan", "suv", "truck", "van", "sports", "ev")
CREDIT: tuple[CreditTier | None, ...] = (None, "excellent", "good", "fair", "poor")


def random_driver(rng: random.Random, primary: bool) -> Driver:
    age = rng.randint(16, 85)
    licensed = rng.randint(0, max(0, age - 16))
    return Driver(age=age, years_licensed=licensed, violations=rng.choice((0, 0, 0, 0, 1, 1, 2, 3)),
                  at_fault_accidents=rng.choice((0, 0, 0, 0, 0, 1, 1, 2)), credit_tier=rng.choice(CREDIT),
                  gender=rng.choice(("female", "male", "nonbinary", "unspecified")),
                  marital_status=rng.choice(("single", "married", "divorced", "widowed", "unspecified")),
                  primary=primary)


def random_telematics(rng: random.Random) -> Telematics:
    risky = rng.random() < 0.15
    return Telematics(
        hard_braking_events_per_100mi=round(rng.gammavariate(2.0, 2.5 if risky else 0.8), 3),
        aggressive_turning_events_per_100mi=round(rng.gammavariate(2.0, 2.0 if risky else 0.6), 3),
        tailgating_time_ratio=round(min(1.0, rng.betavariate(2, 12 if risky else 30)), 4),
        speeding_minutes_per_100mi=round(rng.gammavariate(2.0, 12.0 if risky else 3.0), 3),
        late_night_miles_per_100mi=round(rng.gammavariate(1.5, 6.0 if risky else 1.5), 3),
        miles=float(rng.randint(50, 3000)),
        prior_claim_count=rng.choice((0, 0, 0, 0, 1, 2)),
        months_observed=rng.randint(1, 12),
    )


def random_quote(rng: random.Random, states: Sequence[str], *, telematics_share: float = 0.8) -> Quote:
    state = rng.choice(list(states))
    effective = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
    drivers = [random_driver(rng, primary=i == 0) for i in range(rng.choice((1, 1, 1, 2, 2, 3)))]
    return Quote(
        policy=Policy(state=state, zip_code=rng.choice(ZIPS.get(state, ("00000",))), effective_date=effective,
                      coverage_level=rng.choice(("basic", "standard", "premium")),
                      years_with_company=rng.randint(0, 15), prior_insurance=rng.random() < 0.9),
        vehicle=Vehicle(model_year=rng.randint(2000, 2027), vehicle_type=rng.choice(VEHICLE_TYPES),
                        safety_rating=rng.randint(1, 5), theft_risk=rng.choice(("low", "medium", "high")),
                        annual_mileage=rng.randint(2000, 30000), mileage_verified=rng.random() < 0.5),
        drivers=drivers,
        coverages=Coverages(collision=rng.random() < 0.8, comprehensive=rng.random() < 0.7,
                            pip=rng.random() < 0.6, uninsured_motorist=rng.random() < 0.5),
        telematics=random_telematics(rng) if rng.random() < telematics_share else None,
    )
