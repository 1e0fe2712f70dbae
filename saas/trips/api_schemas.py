"""Request and response bodies of the drivers, trips and scoring-run endpoints.

Requests are strict (unknown fields refused); responses say what happened to every row, so a
partner can reconcile an upload or a run without a second call.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta, Struct

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
Period = Annotated[str, Meta(pattern=PERIOD.pattern, description="a calendar month, YYYY-MM (UTC)")]
RunStatus = Literal["queued", "running", "completed", "completed_with_failures", "failed"]


class DriverRequest(Struct, forbid_unknown_fields=True, frozen=True):
    state: Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]
    prior_claim_count: Annotated[int, Meta(ge=0, le=100)] = 0


class DriverView(Struct, frozen=True):
    driver_id: str
    state: str
    prior_claim_count: int
    updated_at: str


class RowError(Struct, frozen=True):
    index: int
    path: str
    detail: str


class IngestReport(Struct, frozen=True):
    """``accepted`` rows were stored now, ``duplicates`` were already stored (same tenant and trip
    id: nothing written), ``rejected`` are listed in ``errors`` and were not stored."""

    received: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[RowError]


class RawReport(Struct, frozen=True):
    trip_id: str
    driver_id: str
    duplicate: bool
    detector_version: str
    summary: dict[str, object]


class RunRequest(Struct, forbid_unknown_fields=True, frozen=True):
    period: Period
    explain: bool = True
    """Explanations (and so coaching) for every driver; off for a faster run without coaching."""


class ChunkFailure(Struct, frozen=True):
    chunk: int
    first_driver: str
    last_driver: str
    drivers: int
    attempts: int
    error: str


class ChunkDigest(Struct, frozen=True):
    """SHA-256 of the JSONL export lines of the drivers in [first_driver, last_driver]."""

    chunk: int
    first_driver: str
    last_driver: str
    sha256: str


class Reconciliation(Struct, frozen=True):
    """``expected = written + not_scored + in_failed_chunks + missing``; ``duplicates`` counts score
    rows beyond one per driver (the key makes it 0; it is counted, not assumed)."""

    expected: int
    written: int
    not_scored: int
    in_failed_chunks: int
    missing: int
    duplicates: int


class RunView(Struct, frozen=True):
    id: str
    period: str
    status: RunStatus
    explain: bool
    chunks: int
    chunks_done: int
    progress: float
    expected: int
    written: int | None
    not_scored: int | None
    not_scored_sample: list[str]
    failed_chunks: list[ChunkFailure]
    checksum: str | None
    credibility: dict[str, object]
    model_version: str
    tenant_config: str
    created_at: str
    finished_at: str | None
    reconciliation: Reconciliation | None = None
    timings: dict[str, float] | None = None
    chunk_digests: list[ChunkDigest] = []
    """Once finished: each scored chunk's range and digest; ``checksum`` = SHA-256 of the digests."""


class ScoreView(Struct, frozen=True):
    period: str
    risk_score: float
    safety_score: Decimal
    safety_score_month: Decimal
    tier: str
    tier_label: str
    safest_top_pct: int
    top_safest: str
    multiplier: Decimal
    trips: int
    miles: float
    improve: list[str]


class ScoreHistory(Struct, frozen=True):
    driver_id: str
    scores: list[ScoreView]


def check_period(period: str, today: dt.date | None = None) -> str | None:
    """Why ``period`` cannot be scored (a month that has not started), or None."""
    match = PERIOD.match(period)
    if match is None:
        return "period must be YYYY-MM"
    today = today or dt.datetime.now(dt.UTC).date()
    if (int(match.group(1)), int(match.group(2))) > (today.year, today.month):
        return f"period {period} is in the future (the current month is {today:%Y-%m})"
    return None


def previous_period(period: str) -> str:
    """The month before, always ``YYYY-MM`` (the year zero-padded: before 1000 it was ``79-08``, which
    the next call could not read; before year 1 there is no month, so the first month has none)."""
    year, month = int(period[:4]), int(period[5:])
    if (year, month) <= (1, 1):
        return "0000-12"
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
