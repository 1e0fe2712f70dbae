"""What goes into a bundle, section by section, each read from the database a page at a time.

Every reader here is tenant-scoped through a ``TenantRepository`` and writes straight into the
archive, so a month of 100,000 scored drivers passes through memory one row at a time (only the
drift matrix, 100,000 × 8 floats, is held whole).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.chain import ChainVerifier
from saas.audit.service import HeadRepository, export_checked
from saas.clock import utc_timestamp
from saas.compliance.archive import BundleArchive
from saas.compliance.register import entries_of
from saas.compliance.schemas import NOTICE_KIND
from saas.rates.models import RateDeployment, RateVersionRow
from saas.rates.repository import Deployments, Events, TestRuns, Versions
from saas.scoring.drift import drift_report
from saas.scoring.model import RiskModel
from saas.tenancy.scoping import TenantRepository
from saas.trips.models import DriverScoreRow, ScoringChunkRow, ScoringRunRow
from saas.trips.results import FIELDS, ResultLine
from saas.trips.scores import Scores

STREAM_ROWS = 2000


async def audit_section(archive: BundleArchive, session: AsyncSession, tenant_id: str, start: dt.datetime,
                        end: dt.datetime) -> dict[str, Any]:
    """The period's chain entries, verified as they are written (from their seq-1 predecessor on,
    like ``saas audit verify`` checks a date-range export), and where the chain's head stood.

    The whole chain's check in the database (``GET /v1/audit/verify``) is not repeated here: its
    cost grows with the tenant's whole history, not with the month."""
    verifier = ChainVerifier(allow_partial=True)
    with archive.member("audit/entries.jsonl") as member:
        async for chunk in export_checked(session, tenant_id, start, end, verifier):
            member.write(chunk)
    head = await HeadRepository(session, tenant_id).get_one_or_none()
    result = {"entries": verifier.checked if verifier.failure is None else verifier.failure.checked,
              "export": msgspec.to_builtins(verifier.result()),
              "chain_head": {"seq": head.last_seq, "hash": head.last_hash} if head else None}
    archive.json("audit/verification.json", result)
    return result


async def rate_versions(session: AsyncSession, tenant_id: str, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """Rate versions deployed at some moment of the period, with approvals, tests and deployments."""
    deployments = await Deployments(session, tenant_id).list(
        RateDeployment.effective_date < end.date(), RateDeployment.deployed_at < utc_timestamp(end),
        or_(RateDeployment.withdrawn_at.is_(None), RateDeployment.withdrawn_at >= utc_timestamp(start)),
        order_by=(RateDeployment.id,))
    out = []
    for version_id in dict.fromkeys(d.version_id for d in deployments):
        row: RateVersionRow = await Versions(session, tenant_id).get(version_id)
        events = await Events(session, tenant_id).of_version(version_id)
        tests = await TestRuns(session, tenant_id).of_version(version_id)
        out.append({
            "id": row.id, "state": row.state, "product": row.product, "status": row.status,
            "parent_id": row.parent_id, "author": row.author_name, "message": row.message,
            "filing_reference": row.filing_reference, "created_at": row.created_at,
            "effective_date": row.effective_date.isoformat(), "content": msgspec.json.decode(row.content),
            "approvals": [{"action": e.action, "by": e.actor_name, "at": e.at, "note": e.note} for e in events],
            "tests": [_columns(t) for t in tests],
            "deployments": [_columns(d) for d in deployments if d.version_id == version_id]})
    return out


def _columns(row: Any) -> dict[str, Any]:
    values = {c.name: getattr(row, c.name) for c in row.__table__.columns if c.name != "tenant_id"}
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


class _Runs(TenantRepository[ScoringRunRow]):
    model = ScoringRunRow
    noun = "scoring run"


class _Chunks(TenantRepository[ScoringChunkRow]):
    model = ScoringChunkRow
    noun = "scoring chunk"


async def runs_section(archive: BundleArchive, session: AsyncSession, tenant_id: str, period: str) -> list[Any]:
    runs = await _Runs(session, tenant_id).list(ScoringRunRow.period == period, order_by=(ScoringRunRow.created_at,))
    out = []
    for run in runs:
        chunks = await _Chunks(session, tenant_id).list(ScoringChunkRow.run_id == run.id,
                                                        order_by=(ScoringChunkRow.chunk,))
        view = _columns(run) | {"credibility": msgspec.json.decode(run.credibility),
                                "reconciliation": msgspec.json.decode(run.reconciliation or "null"),
                                "timings": msgspec.json.decode(run.timings or "null"),
                                "chunks": [{"chunk": c.chunk, "first_driver": c.first_driver,
                                            "last_driver": c.last_driver, "status": c.status,
                                            "written": c.written, "digest": c.digest} for c in chunks]}
        out.append(view)
    archive.json("runs/runs.json", out)
    return out


async def scores_and_drift(archive: BundleArchive, session: AsyncSession, tenant_id: str, period: str,
                           model: RiskModel) -> dict[str, Any]:
    """The period's scores (the lines runs checksum) streamed out, and the PSI of inputs and score.

    Rows are read as plain tuples (not ORM objects) and the model inputs gathered in a flat array
    of doubles: 100,000 drivers cost a few MB, not a list of lists."""
    names = model.feature_names
    inputs = array("d")
    count = 0
    with archive.member(f"runs/scores-{period}.jsonl") as member:
        async for row in _scores(session, tenant_id, period):
            line = ResultLine(*row[:len(FIELDS) - 1], msgspec.json.decode(row.coaching))  # type: ignore[call-arg]
            member.write(_ENCODE(line) + b"\n")
            values = _DECODE(row.features)
            inputs.extend(_NAN if (v := values.get(n)) is None else v for n in names)
            count += 1
    X = np.frombuffer(inputs, dtype=np.float64).reshape(count, len(names)) if count else np.zeros((0, len(names)))
    report = drift_report(model, X) if count else None
    drift = {"period": period, "rows": count, "model": model.version,
             "report": msgspec.to_builtins(report) if report else None,
             "note": None if report else "no scored drivers in the period: nothing to compare"}
    archive.json("drift/psi.json", drift)
    return {"scored_drivers": count}


_NAN = float("nan")
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder(dict[str, float | None]).decode


async def _scores(session: AsyncSession, tenant_id: str, period: str) -> AsyncIterator[Any]:
    columns = [getattr(DriverScoreRow, name) for name in (*FIELDS[:-1], "coaching", "features")]
    stmt = Scores(session, tenant_id).ordered(period).with_only_columns(*columns)
    stream = await session.stream(stmt.execution_options(yield_per=STREAM_ROWS))
    async for row in stream:
        yield row


async def notices_section(archive: BundleArchive, session: AsyncSession, tenant_id: str, period: str) -> int:
    with archive.member("adverse-actions/notices.jsonl") as member:
        count = 0
        async for row in entries_of(session, tenant_id, (NOTICE_KIND,), period):
            member.write(row.payload.encode("utf-8") + b"\n")
            count += 1
    return count


def model_card(model: RiskModel, model_dir: Path) -> dict[str, Any]:
    """Training data, metrics, calibration and the Bayes-floor ratio, from the model's own artifacts."""
    metrics = _json(model_dir / "metrics.json")
    calibration = _json(model_dir / "calibration.json")
    meta = model.meta
    return {
        "version": model.version, "objective": model.objective, "features": list(model.feature_names),
        "training_data": {"rows": getattr(meta, "training_rows", None), "generator": "ml/ synthetic generator",
                          "seed": metrics.get("seed") if metrics else None},
        "baseline_risk": model.baseline, "metrics": metrics,
        "bayes_floor_ratio": metrics.get("rmse_vs_bayes_floor") if metrics else None,
        "calibration": calibration or "no calibration artifact: the squared-error model predicts risk directly",
    }


def _json(path: Path) -> Any:
    return msgspec.json.decode(path.read_bytes()) if path.exists() else None
