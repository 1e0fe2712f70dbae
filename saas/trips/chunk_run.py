"""A chunk attempt against the database: read, score, upsert, and maybe close the run.

The scores and the chunk's ``done`` mark commit in one transaction, so a worker killed anywhere
leaves either the old state or the whole chunk; the retry then simply does it again. A failed
attempt is recorded on the chunk (attempts, error); on the last one the chunk is ``failed`` and the
run may close without it, its other chunks' results standing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.snapshots import get_snapshot
from saas.db import Database
from saas.scoring.model import RiskModel
from saas.scoring.selection import TenantModels
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import previous_period
from saas.trips.chunk import score_drivers
from saas.trips.models import ScoringChunkRow
from saas.trips.repository import Chunks, Drivers, Runs
from saas.trips.runs import close_run
from saas.trips.scores import Scores


@dataclass(frozen=True)
class RunParams:
    """What a chunk needs of its run: fixed when the run was planned, so a worker keeps them."""

    id: str
    period: str
    structure: dict[str, Any]
    explain: bool
    model_version: str
    tenant_config: str
    """The configuration version in force when the run started: every chunk maps with it, even if
    another is deployed while the run goes on."""


@dataclass(frozen=True)
class Claim:
    chunk: int
    first_driver: str
    last_driver: str
    status: str
    written: int | None


_RUNS: OrderedDict[tuple[str, str], RunParams] = OrderedDict()
"""Per process: the runs whose chunks it scored lately (fixed once planned, so never stale)."""
KEPT_RUNS = 64


async def _params(session: AsyncSession, tenant_id: str, run_id: str) -> RunParams:
    found = _RUNS.get((tenant_id, run_id))
    if found is None:
        run = await Runs(session, tenant_id).get(run_id)
        if run.status == "queued":
            run.status = "running"
        found = RunParams(run.id, run.period, msgspec.json.decode(run.credibility), bool(run.explain),
                          run.model_version, run.tenant_config)
        _RUNS[(tenant_id, run_id)] = found
        if len(_RUNS) > KEPT_RUNS:
            _RUNS.popitem(last=False)
    return found


async def _start(session: AsyncSession, tenant_id: str, run_id: str, chunk: int) -> tuple[RunParams, Claim]:
    """Mark the chunk running (one more attempt) in one statement, unless an earlier attempt finished it."""
    run = await _params(session, tenant_id, run_id)
    claim = Chunks(session, tenant_id).update(
        ScoringChunkRow.run_id == run_id, ScoringChunkRow.chunk == chunk, ScoringChunkRow.status != "done"
    ).values(status="running", attempts=ScoringChunkRow.attempts + 1).returning(
        ScoringChunkRow.first_driver, ScoringChunkRow.last_driver).execution_options(synchronize_session=False)
    claimed = (await session.execute(claim)).one_or_none()
    if claimed is not None:
        return run, Claim(chunk, claimed[0], claimed[1], "running", None)
    row = await Chunks(session, tenant_id).get(run_id, chunk)
    return run, Claim(chunk, row.first_driver, row.last_driver, row.status, row.written)


async def score_chunk(db: Database, decisions: DecisionLog, tenant: LoadedTenant, models: TenantModels, run_id: str,
                      chunk: int, *, final: bool, spread_override: Decimal | None = None) -> tuple[str | None, int]:
    """Score the chunk (unless an earlier attempt finished it); returns (webhook delivery, rows written)."""
    tenant_id = tenant.config.id
    async with db.session_scope() as session:
        run, row = await _start(session, tenant_id, run_id, chunk)
        pinned = await pinned_config(session, tenant, run.tenant_config)
    written = row.written or 0
    if row.status == "running":
        try:
            written = await _score(db, pinned, models.loaded(run.model_version), run, row, spread_override)
        except Exception as exc:
            delivery = await _failed_attempt(db, decisions, tenant, run_id, chunk, exc, final)
            if delivery is not None:
                raise ChunkFailed(str(exc), delivery) from exc
            raise
    async with decisions.transaction() as session:
        return await close_run(session, decisions, tenant, run_id), written


_CONFIGS: OrderedDict[tuple[str, str], LoadedTenant] = OrderedDict()
"""Per process: configuration versions pinned by runs, read once from their snapshots."""


async def pinned_config(session: AsyncSession, tenant: LoadedTenant, version: str) -> LoadedTenant:
    """The run's configuration: the one in force if it still is, else the pinned version's snapshot."""
    if tenant.content_hash == version:
        return tenant
    key = (tenant.config.id, version)
    found = _CONFIGS.get(key)
    if found is None:
        content = await get_snapshot(session, "tenant_config", version, tenant_id=tenant.config.id)
        found = LoadedTenant(msgspec.json.decode(content, type=TenantConfig), version, f"version:{version}")
        _CONFIGS[key] = found
        if len(_CONFIGS) > KEPT_RUNS:
            _CONFIGS.popitem(last=False)
    return found


class ChunkFailed(Exception):
    """A chunk's last attempt failed and closed the run: the caller still sends its webhook."""

    def __init__(self, detail: str, delivery: str) -> None:
        super().__init__(detail)
        self.delivery = delivery


async def _score(db: Database, tenant: LoadedTenant, model: RiskModel, run: RunParams, row: Claim,
                 spread_override: Decimal | None) -> int:
    tenant_id = tenant.config.id
    async with db.session_scope() as session:
        started = time.perf_counter()
        drivers = await Drivers(session, tenant_id).monthly_features(run.period, row.first_driver, row.last_driver)
        previous = await Scores(session, tenant_id).previous_month(previous_period(run.period), row.first_driver,
                                                                   row.last_driver)
        sql = time.perf_counter() - started
        result = score_drivers(drivers, previous, tenant, model, period=run.period,
                               structure=run.structure, explain=run.explain,
                               spread_override=spread_override)
        started = time.perf_counter()
        await Scores(session, tenant_id).replace(run.period, row.first_driver, row.last_driver, result.scores)
        timings = {"sql_features": sql, **result.timings, "write": time.perf_counter() - started}
        await session.execute(Chunks(session, tenant_id).update(
            ScoringChunkRow.run_id == run.id, ScoringChunkRow.chunk == row.chunk).values(
            status="done", written=len(result.scores), digest=result.digest,
            unscored=msgspec.json.encode(result.unscored).decode(),
            error=None, timings=msgspec.json.encode({k: round(v, 6) for k, v in timings.items()}).decode(),
            tier_changes=msgspec.json.encode({"count": result.tier_changes[0],
                                              "first": result.tier_changes[1]}).decode()))
    return len(result.scores)


async def _failed_attempt(db: Database, decisions: DecisionLog, tenant: LoadedTenant, run_id: str, chunk: int,
                          exc: BaseException, final: bool) -> str | None:
    detail = f"{type(exc).__name__}: {exc}"[:2000]
    if final:
        return await fail_chunk(db, decisions, tenant, run_id, chunk, detail)
    async with db.session_scope() as session:
        await session.execute(Chunks(session, tenant.config.id).update(
            ScoringChunkRow.run_id == run_id, ScoringChunkRow.chunk == chunk).values(status="queued", error=detail))
    return None


async def fail_chunk(db: Database, decisions: DecisionLog, tenant: LoadedTenant, run_id: str, chunk: int,
                     detail: str) -> str | None:
    """Mark the chunk failed for good and close the run if it was the last one open."""
    async with db.session_scope() as session:
        await session.execute(Chunks(session, tenant.config.id).update(
            ScoringChunkRow.run_id == run_id, ScoringChunkRow.chunk == chunk, ScoringChunkRow.status != "done")
            .values(status="failed", error=detail))
    async with decisions.transaction() as session:
        return await close_run(session, decisions, tenant, run_id)
