"""Trip summaries for tests: a deterministic month per driver, as a partner would upload it."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

PERIOD = "2026-10"
PREVIOUS = "2026-09"


def trip(driver: str, trip_id: str, start: dt.datetime, miles: float, **events: Any) -> dict[str, Any]:
    minutes = max(10.0, miles * 2)
    return {"driver_id": driver, "trip_id": trip_id, "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(minutes=minutes)).isoformat(), "miles": miles, **events}


def month_of_trips(drivers: list[str], period: str = PERIOD, trips_each: int = 4, seed: int = 7,
                   prefix: str = "") -> list[dict[str, Any]]:
    """``trips_each`` trips per driver in ``period``; behaviour varies by driver so tiers differ."""
    rng = random.Random(seed)
    year, month = int(period[:4]), int(period[5:])
    out = []
    for d, driver in enumerate(drivers):
        risky = d % 3 == 0
        for t in range(trips_each):
            start = dt.datetime(year, month, 1 + t * 5, 8 + (d % 10), 0, tzinfo=dt.UTC)
            miles = round(rng.uniform(5, 40), 2)
            out.append(trip(driver, f"{prefix}{driver}-{period}-{t}", start, miles,
                            hard_braking_events=rng.randint(2, 6) if risky else rng.randint(0, 1),
                            aggressive_turning_events=rng.randint(0, 3 if risky else 1),
                            speeding_minutes=round(rng.uniform(3, 9) if risky else rng.uniform(0, 1), 2),
                            tailgating_seconds=round(rng.uniform(60, 300) if risky else rng.uniform(0, 30), 1),
                            night_miles=round(miles * (0.3 if risky else 0.0), 2)))
    return out
