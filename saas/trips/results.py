"""A run's results as lines for an insurer's renewal system, and the checksum over them.

Each chunk's digest is the SHA-256 of exactly its part of the JSONL export (rows in driver order);
the run's checksum is the SHA-256 of those digests in chunk order, so a partner can check a
download against ``GET /v1/scoring-runs/{id}`` (which lists each chunk's driver range and digest),
and it changes only if a score does. Rows of a
chunk that failed are left out: they are not this run's results (they may be an earlier run's).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.scoring.fixed_point import fixed_strings
from saas.trips.models import DriverScoreRow, ScoringChunkRow
from saas.trips.scores import ScoreColumns, Scores

STREAM_ROWS = 2_000
_ENCODER = msgspec.json.Encoder()


class ResultLine(msgspec.Struct, frozen=True):
    driver_id: str
    period: str
    trips: int
    miles: float
    risk_score: float
    safety_score: Decimal
    safety_score_month: Decimal
    multiplier: Decimal
    tier: str
    tier_label: str
    percentile: float
    safest_top_pct: int
    improve: list[str]


FIELDS = list(ResultLine.__struct_fields__)


def line_of(row: DriverScoreRow) -> ResultLine:
    return ResultLine(row.driver_id, row.period, row.trips, row.miles, row.risk_score, row.safety_score,
                      row.safety_score_month, row.multiplier, row.tier, row.tier_label, row.percentile,
                      row.safest_top_pct, msgspec.json.decode(row.coaching))


class ResultText(msgspec.Struct, frozen=True):
    """``ResultLine`` with its decimals already as text: the same JSON, field for field."""

    driver_id: str
    period: str
    trips: int
    miles: float
    risk_score: float
    safety_score: str
    safety_score_month: str
    multiplier: str
    tier: str
    tier_label: str
    percentile: float
    safest_top_pct: int
    improve: list[str]


def export_lines(period: str, scores: ScoreColumns) -> bytes:
    """The JSONL export of a chunk's rows as the chunk writes them: the very bytes ``line_of`` gives
    once they are stored (decimals are exact integers of tenths and millionths until here)."""
    count = len(scores)
    lines = map(ResultText, scores.driver_id, [period] * count, scores.trips.tolist(), scores.miles.tolist(),
                scores.risk_score.tolist(), fixed_strings(scores.safety_tenths, 1),
                fixed_strings(scores.safety_month_tenths, 1), fixed_strings(scores.multiplier_micro, 6),
                scores.tier, scores.tier_label, scores.percentile.tolist(), scores.safest_top_pct.tolist(),
                scores.improve)
    return _ENCODER.encode_lines(list(lines))


def run_checksum(chunk_digests: Iterable[str]) -> str:
    """SHA-256 over the chunks' digests (hex-decoded, in chunk order, i.e. driver order): every
    row counts, in driver order, without re-reading a million rows when the run closes."""
    return checksum(bytes.fromhex(d) for d in chunk_digests)


def within(ranges: list[tuple[str, str]], driver_id: str) -> bool:
    """Whether the driver falls in one of the sorted, disjoint ranges (binary search)."""
    at = bisect.bisect_right(ranges, (driver_id, "\uffff")) - 1
    return at >= 0 and ranges[at][0] <= driver_id <= ranges[at][1]


async def result_rows(session: AsyncSession, tenant_id: str, period: str,
                      done: list[ScoringChunkRow]) -> AsyncIterator[ResultLine]:
    """Scores of the run's finished chunks, in driver order, streamed from the database."""
    ranges = sorted((c.first_driver, c.last_driver) for c in done)
    stream = await session.stream_scalars(Scores(session, tenant_id).ordered(period).execution_options(
        yield_per=STREAM_ROWS))
    async for row in stream:
        if within(ranges, row.driver_id):
            yield line_of(row)


async def result_lines(session: AsyncSession, tenant_id: str, period: str,
                       done: list[ScoringChunkRow]) -> AsyncIterator[bytes]:
    async for line in result_rows(session, tenant_id, period, done):
        yield msgspec.json.encode(line) + b"\n"


def checksum(lines: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


def csv_header() -> bytes:
    return csv_line(FIELDS)


def csv_line(values: Sequence[object]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode()


def csv_of(line: ResultLine) -> bytes:
    values = [getattr(line, name) for name in FIELDS]
    values[-1] = " | ".join(line.improve)
    return csv_line(values)
