"""Monthly runs from the tenant YAML (``scoring_schedule``), fired by the RQ workers' scheduler.

Each tenant with a schedule has one scheduled job at a time: ``schedule-<tenant>-<YYYY-MM>`` for
its next firing (JSON-serialized, like every job here). ``saas worker`` makes sure it exists when
it starts (a unique id, so many workers schedule it once); when it fires it starts the run of the
month just ended and schedules the next month's firing. Without Redis nothing is scheduled: the
embedded mode has no process that outlives a month.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from saas.errors import Conflict
from saas.tenancy.schemas import ScoringSchedule
from saas.trips import jobs
from saas.trips.api_schemas import previous_period
from saas.trips.runs import plan_run

log = logging.getLogger("saas.schedule")


def next_fire(schedule: ScoringSchedule, now: dt.datetime) -> dt.datetime:
    """The first firing strictly after ``now`` (UTC)."""
    fire = dt.datetime(now.year, now.month, schedule.day, schedule.hour_utc, tzinfo=dt.UTC)
    if fire <= now:
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        fire = fire.replace(year=year, month=month)
    return fire


def period_for(fire: dt.datetime) -> str:
    """A firing scores the month before the one it falls in."""
    return previous_period(f"{fire:%Y-%m}")


def job_id(tenant_id: str, fire: dt.datetime) -> str:
    return f"schedule-{tenant_id}-{fire:%Y-%m}"


def ensure_scheduled(tenants: Any, scheduler: Any, now: dt.datetime | None = None) -> list[str]:
    """Schedule every scheduled tenant's next firing (``scheduler``: the RQ dispatcher)."""
    now = now or dt.datetime.now(dt.UTC)
    ids = []
    for tenant in tenants.tenants.values():
        schedule = tenant.config.scoring_schedule
        if schedule is not None:
            fire = next_fire(schedule, now)
            scheduler.schedule_run(tenant.config.id, fire, job_id(tenant.config.id, fire))
            ids.append(job_id(tenant.config.id, fire))
    return ids


def scheduled_run_job(tenant_id: str, fire_iso: str) -> str:
    """The scheduled job: start the month's run, then schedule the next firing."""
    return jobs.run(lambda ctx: _fire(ctx, tenant_id, dt.datetime.fromisoformat(fire_iso)))


async def _fire(ctx: jobs.JobContext, tenant_id: str, fire: dt.datetime) -> str:
    """The next month's firing is scheduled first: a firing that fails (the database down at that
    moment, say) must not end the tenant's schedule."""
    tenant = ctx.tenants.tenant(tenant_id)
    period = period_for(fire)
    schedule = tenant.config.scoring_schedule
    if schedule is not None:
        following = next_fire(schedule, fire)
        ctx.dispatcher.schedule_run(tenant_id, following, job_id(tenant_id, following))
    try:
        async with ctx.db.session_scope() as session:
            planned = await plan_run(session, tenant, period, explain=schedule is None or schedule.explain,
                                     model_version=ctx.models.live(tenant).version, requested_by="schedule",
                                     chunk_drivers=ctx.chunk_drivers)
        if planned.chunks:
            ctx.dispatcher.enqueue_run(tenant_id, planned.run.id, period, planned.chunks)
        outcome = f"run {planned.run.id} for {period}"
    except Conflict as exc:
        outcome = f"skipped {period}: {exc.detail}"
    log.info("scheduled scoring of %s: %s", tenant_id, outcome)
    return outcome
