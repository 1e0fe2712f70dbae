"""A month of trips for N drivers, from the model generator's distributions, loaded with binary COPY.

Each driver's monthly features are drawn by ``ml.synth`` (archetypes, gamma/normal draws); the
month is cut into Poisson(5) trips (at least one) whose shares of the miles are Gamma(2) draws,
and each trip's events are Poisson draws at the driver's rates, so the SQL features of a driver's
trips come back near the drawn ones. Rows are encoded as PostgreSQL binary COPY with numpy (no
per-row Python), into a float staging table, then moved into ``trips`` with NUMERIC casts.
"""

from __future__ import annotations

import datetime as dt
import io

import asyncpg
import numpy as np

from ml.synth import synthesize

PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MPH = 30.0
STATES = np.array([b"TX", b"NY", b"CA"])
STAGE = """CREATE TEMPORARY TABLE trip_stage (tenant_id text, trip_id text, driver_id text, period text,
  started_at timestamptz, ended_at timestamptz, driving_seconds float8, miles float8, hard_braking_events int4,
  aggressive_turning_events int4, speeding_minutes float8, tailgating_seconds float8, phone_use_seconds float8,
  night_miles float8)"""
MOVE = """INSERT INTO trips (tenant_id, trip_id, driver_id, period, started_at, ended_at, driving_seconds, miles,
  hard_braking_events, aggressive_turning_events, speeding_minutes, tailgating_seconds, phone_use_seconds,
  night_miles)
  SELECT tenant_id, trip_id, driver_id, period, started_at, ended_at, round(driving_seconds::numeric, 4),
  round(miles::numeric, 4), hard_braking_events, aggressive_turning_events, round(speeding_minutes::numeric, 4),
  round(tailgating_seconds::numeric, 4), 0, round(night_miles::numeric, 4) FROM trip_stage"""


def binary_copy(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """PostgreSQL binary COPY of equal-length columns: fixed-width bytes (text), >f8, >i4, >i8 (timestamptz)."""
    rows = len(columns[0][1])
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i, (_, values) in enumerate(columns):
        fields += [(f"l{i}", ">i4"), (f"v{i}", values.dtype.str if values.dtype.kind == "S" else
                                      {"f": ">f8", "i": ">i4", "M": ">i8"}[values.dtype.kind])]
    table = np.empty(rows, dtype=fields)
    table["n"] = len(columns)
    for i, (_, values) in enumerate(columns):
        if values.dtype.kind == "S":
            table[f"l{i}"], table[f"v{i}"] = values.dtype.itemsize, values
        elif values.dtype.kind == "M":
            table[f"l{i}"], table[f"v{i}"] = 8, values.astype("datetime64[us]").astype(np.int64) - _epoch_us()
        else:
            table[f"l{i}"], table[f"v{i}"] = values.dtype.itemsize if values.dtype.kind == "f" else 4, values
    return b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + table.tobytes() + b"\xff\xff"


def _epoch_us() -> int:
    return int((PG_EPOCH - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1_000_000)


def month(drivers: int, period: str, seed: int = 7) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    f = synthesize(rows=drivers, seed=seed)
    ids = np.char.add(b"d", np.char.zfill(np.arange(drivers).astype("S7"), 7))
    counts = np.maximum(1, rng.poisson(5, drivers))
    owner = np.repeat(np.arange(drivers), counts)
    share = rng.gamma(2.0, 1.0, len(owner))
    share /= np.bincount(owner, share)[owner]
    miles = np.round(np.minimum(f["miles"].to_numpy()[owner] * share, 4_000.0) + 0.1, 2)
    per = miles / 100.0
    seconds = np.round(miles / MPH * 3600.0 + 60.0, 1)
    seq = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = np.datetime64(f"{period}-01T00:00:00", "s") + rng.integers(0, 27 * 86400, len(owner)).astype(
        "timedelta64[s]")
    trips = {
        "trip_id": np.char.add(np.char.add(ids[owner], b"-"), np.char.zfill(seq.astype("S2"), 2)),
        "driver_id": ids[owner], "started_at": start, "ended_at": start + seconds.astype("timedelta64[s]"),
        "driving_seconds": seconds, "miles": miles,
        "hard_braking_events": rng.poisson(f["hard_braking_events_per_100mi"].to_numpy()[owner] * per),
        "aggressive_turning_events": rng.poisson(f["aggressive_turning_events_per_100mi"].to_numpy()[owner] * per),
        "speeding_minutes": np.round(np.minimum(f["speeding_minutes_per_100mi"].to_numpy()[owner] * per,
                                                seconds / 60.0), 2),
        "tailgating_seconds": np.round(f["tailgating_time_ratio"].to_numpy()[owner] * seconds, 1),
        "night_miles": np.round(np.minimum(f["late_night_miles_per_100mi"].to_numpy()[owner] * per, miles), 2),
    }
    people = {"driver_id": ids, "state": STATES[rng.integers(0, 3, drivers)],
              "prior_claim_count": f["prior_claim_count"].to_numpy().astype(np.int32)}
    return people, trips


async def load(dsn: str, tenant: str, period: str, people: dict[str, np.ndarray],
               trips: dict[str, np.ndarray]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        n, t = len(people["driver_id"]), len(trips["trip_id"])
        fixed = [("tenant_id", np.full(n, tenant.encode())), ("driver_id", people["driver_id"]),
                 ("state", people["state"]), ("prior_claim_count", people["prior_claim_count"]),
                 ("updated_at", np.full(n, b"2026-11-01T00:00:00.000000Z"))]
        await conn.copy_to_table("drivers", source=io.BytesIO(binary_copy(fixed)), columns=[c for c, _ in fixed],
                                 format="binary")
        await conn.execute(STAGE)
        for start in range(0, t, 1_000_000):
            part = slice(start, start + 1_000_000)
            cols = [("tenant_id", np.full(len(trips["trip_id"][part]), tenant.encode())),
                    *((name, trips[name][part]) for name in ("trip_id", "driver_id")),
                    ("period", np.full(len(trips["trip_id"][part]), period.encode())),
                    *((name, trips[name][part]) for name in ("started_at", "ended_at", "driving_seconds", "miles",
                                                            "hard_braking_events", "aggressive_turning_events",
                                                            "speeding_minutes", "tailgating_seconds")),
                    ("phone_use_seconds", np.zeros(len(trips["trip_id"][part]))),
                    ("night_miles", trips["night_miles"][part])]
            await conn.copy_to_table("trip_stage", source=io.BytesIO(binary_copy(cols)),
                                     columns=[c for c, _ in cols], format="binary")
        await conn.execute(MOVE)
        await conn.execute("ANALYZE drivers; ANALYZE trips")
    finally:
        await conn.close()
