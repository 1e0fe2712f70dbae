"""Runs and drivers: monthly scoring runs with live progress, reconciliation and checksum, a month's
distributions against the month before, drift per input, and a driver's history with coaching tips.
Role sets are the trips API's (``saas.trips.routes``)."""

from __future__ import annotations

from typing import Any

import anyio
import numpy as np
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from saas.console import charts
from saas.console.queries import driver_ids, month_columns, month_drift, recent_runs, today
from saas.console.web import SignedIn, page, signed_in, to
from saas.errors import ValidationFailed
from saas.rating.routes import QuotesDep
from saas.tenancy.guards import DatabaseDep
from saas.trips.api_schemas import check_period, previous_period
from saas.trips.routes import READ, RUN, RUN_READ, TripsDep, known_id

SAFETY_EDGES = np.linspace(0, 100, 11)


@get("/runs", guards=[signed_in(RUN_READ)], include_in_schema=False)
async def runs_index(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn) -> Template:
    async with db.sessions() as session:
        runs = await recent_runs(session, user.tenant_id)
    period = previous_period(today().strftime("%Y-%m"))
    return page(request, "runs.html", user, runs=runs, may_run=user.role in RUN, period=period)


@post("/runs", guards=[signed_in(RUN)], include_in_schema=False)
async def start_run(request: Request[Any, Any, Any], trips: TripsDep, user: SignedIn) -> Response[Any]:
    period = str((await request.form()).get("period") or "").strip()
    why = check_period(period)
    if why:
        raise ValidationFailed(why, path="period")
    run = await trips.start_run(user.tenant_id, period, explain=True, requested_by=user.principal.name)
    return to(f"/console/runs/{run.id}")


def _risk_edges(months: list[Any]) -> np.ndarray:
    values = [v for m in months for v in m.risk]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    return np.round(np.linspace(np.floor(low * 10) / 10, np.ceil(high * 10) / 10 or 1.0, 11), 2)


async def month_charts(db: Any, quotes: Any, tenant_id: str, period: str) -> dict[str, Any]:
    """The month against the one before (risk, safety, tiers) and its drift, as charts (drawn on a
    worker thread: an uncached chart takes tens of milliseconds the event loop should not wait)."""
    tenant = quotes.config.tenant(tenant_id)
    async with db.sessions() as session:
        months = [await month_columns(session, tenant_id, p) for p in (previous_period(period), period)]
        drift = await month_drift(session, tenant_id, period, quotes.models.live(tenant))
    months = [m for m in months if m.risk]
    tiers = [t.name for t in tenant.config.pricing.tiers]
    drawn = await anyio.to_thread.run_sync(_draw, months, drift, tiers)
    return {"months": months, "drift": drift, **drawn}


def _draw(months: list[Any], drift: Any, tiers: list[str]) -> dict[str, str | None]:
    drawn: dict[str, str | None] = {"drift_chart": charts.drift_chart(drift) if drift else None}
    if months:
        drawn |= {
            "risk_chart": charts.month_histogram(months, "risk", title="Risk scores", axis="Risk score",
                                                 edges=_risk_edges(months)),
            "safety_chart": charts.month_histogram(months, "safety", title="Safety scores",
                                                   axis="Safety score (0–100)", edges=SAFETY_EDGES),
            "tier_chart": charts.tier_chart(months, tiers)}
    return drawn


@get("/runs/{run_id:str}", guards=[signed_in(RUN_READ)], include_in_schema=False)
async def run_page(request: Request[Any, Any, Any], db: DatabaseDep, trips: TripsDep, quotes: QuotesDep,
                   user: SignedIn, run_id: FromPath[str]) -> Template:
    run = await trips.run(user.tenant_id, known_id(run_id, "scoring run"))
    context = await month_charts(db, quotes, user.tenant_id, run.period) if run.finished_at else {}
    return page(request, "run.html", user, run=run, **context)


@get("/runs/{run_id:str}/progress", guards=[signed_in(RUN_READ)], include_in_schema=False)
async def run_progress(request: Request[Any, Any, Any], trips: TripsDep, user: SignedIn,
                       run_id: FromPath[str]) -> Template:
    """The progress fragment htmx polls while the run is going; a finished run reloads the whole page."""
    run = await trips.run(user.tenant_id, known_id(run_id, "scoring run"))
    response = page(request, "run_progress.html", user, run=run)
    if run.finished_at:
        response.headers["HX-Refresh"] = "true"
    return response


@get("/drivers", guards=[signed_in(READ)], include_in_schema=False)
async def drivers(request: Request[Any, Any, Any], db: DatabaseDep, user: SignedIn) -> Template:
    prefix = (request.query_params.get("prefix") or "").strip()[:64]
    async with db.sessions() as session:
        found = await driver_ids(session, user.tenant_id, prefix)
    return page(request, "drivers.html", user, drivers=found, prefix=prefix)


@get("/drivers/{driver_id:str}", guards=[signed_in(READ)], include_in_schema=False)
async def driver(request: Request[Any, Any, Any], trips: TripsDep, user: SignedIn,
                 driver_id: FromPath[str]) -> Template:
    history = await trips.history(user.tenant_id, known_id(driver_id, "driver"))
    chart = await anyio.to_thread.run_sync(charts.score_history_chart, history) if history.scores else None
    return page(request, "driver.html", user, history=history, chart=chart)


ROUTES = [runs_index, start_run, run_page, run_progress, drivers, driver]
