"""A synthetic book for fairness tests: drivers whose names and ZIPs make BISG sure of their group,
and months of trips in which a disparity can be planted (one group's ZIPs drive more late-night
miles) or not. Everything else about the drivers is drawn from one distribution for all."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from tests.trips_data import trip

NAMES = {
    "white": [("Olson", "56001"), ("Miller", "53012"), ("Schmidt", "57401"), ("Hansen", "56001"),
              ("Smith", "53012")],
    "hispanic": [("Garcia", "78501"), ("Hernandez", "78521"), ("Lopez", "78041"), ("Martinez", "78501"),
                 ("Rodriguez", "78521")],
    "black": [("Washington", "60619"), ("Jefferson", "38106"), ("Smith", "60619")],
}
FIRST = {"white": "Carl", "hispanic": "Jose", "black": "Tyrone"}


@dataclass(frozen=True)
class BookDriver:
    driver_id: str
    group: str
    surname: str
    first_name: str
    zip: str
    prior_claim_count: int


def drivers(prefix: str, counts: dict[str, int], seed: int = 11) -> list[BookDriver]:
    rng = random.Random(seed)
    out = []
    for group, n in counts.items():
        for i in range(n):
            surname, zip_code = NAMES[group][i % len(NAMES[group])]
            out.append(BookDriver(f"{prefix}{group[:2]}{i:03d}", group, surname, FIRST[group] if i % 2 else "",
                                  zip_code, rng.choice([0, 0, 0, 1])))
    return out


def proxies_csv(book: list[BookDriver]) -> bytes:
    lines = ["driver_id,surname,first_name,zip", *(f"{d.driver_id},{d.surname},{d.first_name},{d.zip}" for d in book)]
    return ("\n".join(lines) + "\n").encode()


def month(book: list[BookDriver], period: str, *, planted: str | None, seed: int) -> list[dict[str, Any]]:
    """Eight trips per driver; ``planted``: that group drives 15-30 % of its miles late at night, everyone
    else under 1.5 % (the shared model's response to late-night miles is steepest below 10 per 100)."""
    rng = random.Random(seed)
    year, mon = int(period[:4]), int(period[5:])
    out = []
    for d in book:
        for t in range(8):
            miles = round(rng.uniform(10, 40), 2)
            night = rng.uniform(0.15, 0.3) if d.group == planted else rng.uniform(0.0, 0.015)
            start = dt.datetime(year, mon, 1 + t * 3, 7 + rng.randrange(12), 0, tzinfo=dt.UTC)
            out.append(trip(d.driver_id, f"{d.driver_id}-{period}-{t}", start, miles,
                            hard_braking_events=rng.randint(0, 1), aggressive_turning_events=rng.randint(0, 1),
                            speeding_minutes=round(rng.uniform(0, 1.5), 2),
                            tailgating_seconds=round(rng.uniform(0, 40), 1),
                            night_miles=round(miles * night, 2)))
    return out
