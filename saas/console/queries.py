"""Reads the pages need that no API answer gives in one piece (a tenant's runs, a month's columns).

Every read goes through the owning feature's ``TenantRepository`` (its scoped base statement), so
the console cannot see another tenant's rows any more than the API can. Nothing here writes: a
change made from the console goes through the same service call as the API's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import numpy as np
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from saas.rates.log import version_log
from saas.rates.schemas import VersionSummary
from saas.rating.quoting import QuoteService
from saas.rules.versions import version_of
from saas.scoring.drift import DriftReport, drift_report
from saas.scoring.model import RiskModel
from saas.trips.models import DriverRow, DriverScoreRow, ScoringRunRow
from saas.trips.repository import Drivers, Runs
from saas.trips.scores import Scores

MAX_DRIFT_ROWS = 20_000
"""Drift is estimated on at most this many drivers of a month (PSI over deciles needs far fewer)."""


class InForce(Struct, frozen=True):
    """What prices the tenant's quotes today."""

    tenant_id: str
    name: str
    config_hash: str
    states: list[str]
    rulesets: dict[str, str]
    model: str
    rates: list[VersionSummary]
    waiting: list[VersionSummary]


class MonthColumns(Struct, frozen=True):
    period: str
    risk: list[float]
    safety: list[float]
    tiers: list[str]


async def in_force(session: AsyncSession, quotes: QuoteService, tenant_id: str) -> InForce:
    tenant = quotes.config.tenant(tenant_id)
    rulesets = {state: version_of(quotes.config.ruleset(tenant, state)) for state in tenant.config.states}
    versions = await version_log(session, tenant_id)
    return InForce(tenant_id, tenant.config.name, tenant.content_hash, list(tenant.config.states), rulesets,
                   quotes.models.live(tenant).version, [v for v in versions if v.status == "deployed"],
                   [v for v in versions if v.status in ("draft", "approved")])


async def recent_runs(session: AsyncSession, tenant_id: str, limit: int = 20) -> list[ScoringRunRow]:
    runs = Runs(session, tenant_id)
    statement = runs.statement().order_by(ScoringRunRow.created_at.desc()).limit(limit)
    return list((await session.execute(statement)).scalars().all())


async def month_columns(session: AsyncSession, tenant_id: str, period: str) -> MonthColumns:
    """A month's risk scores, safety scores and tiers (one row per scored driver)."""
    statement = Scores(session, tenant_id).statement().where(DriverScoreRow.period == period).with_only_columns(
        DriverScoreRow.risk_score, DriverScoreRow.safety_score, DriverScoreRow.tier)
    rows = (await session.execute(statement)).all()
    return MonthColumns(period, [float(r[0]) for r in rows], [float(r[1]) for r in rows], [str(r[2]) for r in rows])


async def month_drift(session: AsyncSession, tenant_id: str, period: str, model: RiskModel) -> DriftReport | None:
    """PSI of every model input (as scored that month) against the training population; None without scores."""
    statement = (Scores(session, tenant_id).statement().where(DriverScoreRow.period == period)
                 .with_only_columns(DriverScoreRow.features).limit(MAX_DRIFT_ROWS))
    features = [msgspec.json.decode(row[0]) for row in (await session.execute(statement)).all()]
    if not features:
        return None
    names = model.feature_names
    X = np.array([[np.nan if (v := f.get(name)) is None else float(v) for name in names] for f in features])
    return drift_report(model, X)


async def driver_ids(session: AsyncSession, tenant_id: str, prefix: str = "", limit: int = 50) -> list[DriverRow]:
    drivers = Drivers(session, tenant_id)
    statement = drivers.statement().order_by(DriverRow.driver_id).limit(limit)
    if prefix:
        statement = statement.where(DriverRow.driver_id.startswith(prefix, autoescape=True))
    return list((await session.execute(statement)).scalars().all())


def decoded(text: str | None) -> Any:
    return msgspec.json.decode(text) if text else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
