"""Scoring runs: plan a month into chunks, report progress, and close with a reconciliation.

A run pins what its chunks need (chunk driver ranges, the credibility structure, the model and
tenant config versions) when it is created, so chunks scored by different workers, or twice,
agree. The last chunk to finish closes the run under a row lock: counts, checksum, status, the
audit-chain entry and the webhook outbox row commit together.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.clock import utc_timestamp
from saas.errors import Conflict, ValidationFailed
from saas.settings import DEFAULT_CHUNK_DRIVERS
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import ChunkDigest, ChunkFailure, Reconciliation, RunView, check_period
from saas.trips.credibility_sql import estimate
from saas.trips.models import ScoringChunkRow, ScoringRunRow
from saas.trips.notify import completion_event
from saas.trips.repository import Chunks, Drivers, Runs
from saas.trips.results import run_checksum
from saas.trips.scores import Scores

CHUNK_DRIVERS = DEFAULT_CHUNK_DRIVERS
"""Drivers per chunk (``saas.settings.DEFAULT_CHUNK_DRIVERS`` says why this many)."""
TERMINAL = ("done", "failed")
SAMPLE_UNSCORED = 20


@dataclass(frozen=True)
class Planned:
    run: ScoringRunRow
    chunks: int


async def plan_run(session: AsyncSession, tenant: LoadedTenant, period: str, *, explain: bool, model_version: str,
                   requested_by: str, chunk_drivers: int = CHUNK_DRIVERS) -> Planned:
    """Create the run and its chunks (one transaction); refuses a month already being scored."""
    problem = check_period(period)
    if problem:
        raise ValidationFailed(problem, path="$.period")
    tenant_id = tenant.config.id
    active = await Runs(session, tenant_id).active(period)
    if active is not None:
        raise Conflict(f"run {active.id} is already scoring {period}; wait for it to finish")
    ranges = await Drivers(session, tenant_id).ranges(chunk_drivers)
    structure = await estimate(session, tenant_id, period, [(a, b) for a, b, _ in ranges], chunk_drivers)
    run = ScoringRunRow(
        id=str(uuid.uuid4()), period=period, status="queued" if ranges else "completed", explain=explain,
        chunks=len(ranges), expected=sum(n for _, _, n in ranges), credibility=msgspec.json.encode(structure).decode(),
        model_version=model_version, tenant_config=tenant.content_hash, requested_by=requested_by,
        created_at=utc_timestamp())
    if not ranges:
        run.written, run.not_scored, run.checksum, run.finished_at = 0, 0, run_checksum([]), run.created_at
    Runs(session, tenant_id).add(run)
    chunks = Chunks(session, tenant_id)
    for number, (first, last, drivers) in enumerate(ranges):
        chunks.add(ScoringChunkRow(run_id=run.id, chunk=number, first_driver=first, last_driver=last,
                                   drivers=drivers, status="queued", attempts=0))
    return Planned(run, len(ranges))


def reconcile(run: ScoringRunRow, chunks: list[ScoringChunkRow], written: int, rows: int) -> Reconciliation:
    failed = sum(c.drivers for c in chunks if c.status == "failed")
    unscored = sum(len(msgspec.json.decode(c.unscored or "[]")) for c in chunks if c.status == "done")
    return Reconciliation(expected=run.expected, written=written, not_scored=unscored, in_failed_chunks=failed,
                          missing=run.expected - written - unscored - failed, duplicates=rows - written)


async def close_run(session: AsyncSession, decisions: DecisionLog, tenant: LoadedTenant,
                    run_id: str) -> str | None:
    """Close the run if every chunk is done or failed (call after each chunk); returns the id of
    the webhook delivery to send, if one was queued. Safe to call again: a closed run is left as is."""
    tenant_id = tenant.config.id
    if await Chunks(session, tenant_id).open_count(run_id):  # cheap, and before the run's row lock
        return None
    run = await Runs(session, tenant_id).get(run_id, for_update=True)
    chunks = await Chunks(session, tenant_id).of_run(run_id)
    if run.finished_at is not None or any(c.status not in TERMINAL for c in chunks):
        return None
    started = time.perf_counter()
    done = [c for c in chunks if c.status == "done"]
    rows, drivers = await Scores(session, tenant_id).count(run.period, [(c.first_driver, c.last_driver) for c in done])
    result = reconcile(run, chunks, drivers, rows)
    run.reconciliation = msgspec.json.encode(result).decode()
    run.written, run.not_scored = result.written, result.not_scored
    run.checksum = run_checksum(c.digest or "" for c in done)
    run.status = status_of(result, chunks)
    run.finished_at = utc_timestamp()
    run.timings = msgspec.json.encode(total_timings(chunks) | {"close": round(time.perf_counter() - started, 6)}
                                      ).decode()
    entry = {"run_id": run.id, "period": run.period, "status": run.status, "reconciliation": result,
             "checksum": run.checksum, "credibility": msgspec.json.decode(run.credibility),
             "model_version": run.model_version, "tenant_config": run.tenant_config,
             "failed_chunks": [c.chunk for c in chunks if c.status == "failed"], "requested_by": run.requested_by}
    await decisions.record_in(session, tenant_id, [NewEntry(kind="scoring_run", payload=entry,
                                                            decision_id=f"run-{run.id}")])
    return await completion_event(session, tenant, run, result, done)


def status_of(result: Reconciliation, chunks: list[ScoringChunkRow]) -> str:
    failed = sum(1 for c in chunks if c.status == "failed")
    if chunks and failed == len(chunks):
        return "failed"
    return "completed_with_failures" if failed or result.missing else "completed"


def total_timings(chunks: list[ScoringChunkRow]) -> dict[str, float]:
    total: dict[str, float] = {}
    for chunk in chunks:
        for name, seconds in msgspec.json.decode(chunk.timings or "{}").items():
            total[name] = round(total.get(name, 0.0) + seconds, 6)
    return total


async def run_view(session: AsyncSession, tenant_id: str, run_id: str) -> RunView:
    run = await Runs(session, tenant_id).get(run_id)
    chunks = await Chunks(session, tenant_id).of_run(run_id)
    finished = [c for c in chunks if c.status in TERMINAL]
    unscored = [d for c in finished for d in msgspec.json.decode(c.unscored or "[]")]
    failures = [ChunkFailure(c.chunk, c.first_driver, c.last_driver, c.drivers, c.attempts, c.error or "")
                for c in chunks if c.status == "failed"]
    result = msgspec.json.decode(run.reconciliation, type=Reconciliation) if run.reconciliation else None
    return RunView(
        id=run.id, period=run.period, status=run.status, explain=bool(run.explain),  # type: ignore[arg-type]
        chunks=run.chunks, chunks_done=len(finished),
        progress=round(len(finished) / run.chunks, 4) if run.chunks else 1.0, expected=run.expected,
        written=run.written, not_scored=run.not_scored if run.finished_at else len(unscored),
        not_scored_sample=unscored[:SAMPLE_UNSCORED], failed_chunks=failures, checksum=run.checksum,
        credibility=msgspec.json.decode(run.credibility), model_version=run.model_version,
        tenant_config=run.tenant_config, created_at=run.created_at, finished_at=run.finished_at,
        reconciliation=result, timings=msgspec.json.decode(run.timings) if run.timings else None,
        chunk_digests=[ChunkDigest(c.chunk, c.first_driver, c.last_driver, c.digest) for c in chunks
                       if run.finished_at and c.status == "done" and c.digest])
