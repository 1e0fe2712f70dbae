"""A month of generated trips for demo drivers: what ``saas demo`` loads before its monthly run.

Three kinds of driver in the shares of the model documentation's archetypes (70 % safe, 20 %
moderate, 10 % risky), each with 3–8 trips whose events are drawn at that kind's rates, so the
run shows a spread of tiers and coaching. Seeded: the same demo data on every machine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

KINDS = (  # share, hard brakes / 100 mi, turns / 100 mi, speeding min / 100 mi, tailgating share, night share
    (0.70, 0.9, 0.8, 1.5, 0.03, 0.01),
    (0.20, 2.5, 2.0, 5.0, 0.08, 0.03),
    (0.10, 6.0, 5.0, 14.0, 0.20, 0.08),
)


def demo_drivers(count: int, states: list[str]) -> list[tuple[str, str, int]]:
    """(driver id, state, prior claims) for ``count`` drivers spread over the tenant's states."""
    rng = np.random.default_rng(11)
    return [(f"demo-{i:04d}", states[i % len(states)], int(rng.poisson(0.15))) for i in range(count)]


def demo_trips(drivers: list[str], period: str, seed: int = 5) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    year, month = int(period[:4]), int(period[5:])
    kinds = rng.choice(len(KINDS), size=len(drivers), p=[k[0] for k in KINDS])
    trips = []
    for driver, kind in zip(drivers, kinds, strict=True):
        _, brake, turn, speed, tail, night = KINDS[kind]
        for t in range(int(rng.integers(3, 9))):
            miles = float(np.round(rng.gamma(2.0, 12.0) + 1.0, 2))
            seconds = miles / 28.0 * 3600 + 120
            start = dt.datetime(year, month, int(rng.integers(1, 28)), int(rng.integers(0, 24)),
                                int(rng.integers(0, 60)), tzinfo=dt.UTC)
            trips.append({
                "driver_id": driver, "trip_id": f"{driver}-{period}-{t}", "started_at": start.isoformat(),
                "ended_at": (start + dt.timedelta(seconds=seconds)).isoformat(), "miles": miles,
                "hard_braking_events": int(rng.poisson(brake * miles / 100)),
                "aggressive_turning_events": int(rng.poisson(turn * miles / 100)),
                "speeding_minutes": float(np.round(min(speed * miles / 100 * rng.gamma(2, 0.5), seconds / 60), 2)),
                "tailgating_seconds": float(np.round(tail * seconds * rng.uniform(0.5, 1.5), 1)),
                "night_miles": float(np.round(miles * night * rng.uniform(0, 2), 2)),
            })
    return trips


async def demo_month(service: Any, tenant_id: str, states: list[str], period: str, drivers: int = 300) -> Any:
    """Register the demo drivers, upload their month, score it and wait: the run the demo shows.
    Safe to repeat: drivers are replaced, trips are duplicates, and the run's checksum is the same."""
    import asyncio

    import msgspec

    from saas.trips.api_schemas import DriverRequest

    people = demo_drivers(drivers, states)
    for driver, state, claims in people:
        await service.put_driver(tenant_id, driver, DriverRequest(state=state, prior_claim_count=claims))
    await service.ingest(tenant_id, msgspec.json.encode({"trips": demo_trips([p[0] for p in people], period)}))
    view = await service.start_run(tenant_id, period, explain=True, requested_by="demo")
    while view.status in ("queued", "running"):
        await asyncio.sleep(0.2)
        view = await service.run(tenant_id, view.id)
    return view
