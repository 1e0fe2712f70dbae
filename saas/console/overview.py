"""The overview: what is in force for the tenant, the last monthly run, drafts waiting, alerts."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from saas.console.queries import in_force, month_drift, recent_runs, today
from saas.console.sessions import ConsoleUser
from saas.console.web import SignedIn, page, signed_in
from saas.content.log import version_log
from saas.content.routes import ContentDep
from saas.rating.routes import QuotesDep
from saas.tenancy.guards import DatabaseDep
from saas.trips.routes import RUN_READ

EVERYONE = frozenset({"rating", "admin", "approver", "compliance"})


def alerts_of(user: ConsoleUser, waiting: list[Any], run: Any, drift: Any) -> list[str]:
    """What needs someone's attention, in words."""
    alerts = []
    for version in waiting:
        what = f"Rate table {version.state}" if hasattr(version, "state") else "Configuration"
        if version.status == "draft" and version.author.name != user.principal.name and user.role == "approver":
            alerts.append(f"{what} {version.id[:12]} is waiting for your approval.")
        elif version.status == "approved" and user.role == "admin":
            alerts.append(f"{what} {version.id[:12]} is approved and can be deployed.")
    if run is not None and run.status not in ("completed", "running", "queued"):
        alerts.append(f"The monthly run for {run.period} ended {run.status}.")
    if drift is not None:
        shifted = sorted((v for v in [drift.score, *drift.features] if v.status in ("moderate", "significant")),
                         key=lambda v: -v.psi)
        alerts += [f"Drift in {run.period}: {v.name} has a {v.status} shift (PSI {v.psi:.3f})." for v in shifted[:3]]
        if len(shifted) > 3:
            alerts.append(f"… and {len(shifted) - 3} more inputs have shifted (see the run's drift).")
    return alerts


@get("/", name="console-overview", guards=[signed_in(EVERYONE)], include_in_schema=False)
async def overview(request: Request[Any, Any, Any], db: DatabaseDep, quotes: QuotesDep, content: ContentDep,
                   user: SignedIn) -> Template:
    async with db.sessions() as session:
        force = await in_force(session, quotes, user.tenant_id)
        configs = await version_log(session, content.configs.kind, user.tenant_id)
        runs = await recent_runs(session, user.tenant_id, limit=1) if user.role in RUN_READ else []
        run = runs[0] if runs else None
        model = quotes.models.live(quotes.config.tenant(user.tenant_id))
        drift = await month_drift(session, user.tenant_id, run.period, model) if run is not None else None
    config = next((v for v in configs if v.status == "deployed"), None)
    config_waiting = [v for v in configs if v.status in ("draft", "approved")]
    return page(request, "overview.html", user, force=force, run=run, drift=drift, config=config, today=today(),
                config_waiting=config_waiting, alerts=alerts_of(user, [*config_waiting, *force.waiting], run, drift))


ROUTES = [overview]
