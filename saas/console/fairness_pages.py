"""Fairness pages: the tenant's stored reports, one report with its figures, flags, drivers of the
gaps and charts, and a form that makes a report of a scored month. Same service and role set as
``saas.fairness.routes`` (compliance keys only: the proxies are protected data, not even ``admin``
reads them), so the menu hides the section from every other role and a forged POST is a 403."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from saas.console.queries import today
from saas.console.web import SignedIn, page, signed_in, to
from saas.errors import ValidationFailed
from saas.fairness.census import LABELS
from saas.fairness.render import drivers_chart, outcome_section, trend_chart
from saas.fairness.routes import COMPLIANCE as FAIRNESS
from saas.fairness.routes import FairnessDep
from saas.fairness.schemas import Report, ReportRequest
from saas.http_body import PathId
from saas.trips.api_schemas import check_period, previous_period


@get("/fairness", guards=[signed_in(FAIRNESS)], include_in_schema=False)
async def reports(request: Request[Any, Any, Any], fairness: FairnessDep, user: SignedIn) -> Template:
    listed = await fairness.list_reports(user.tenant_id)
    period = previous_period(today().strftime("%Y-%m"))
    return page(request, "fairness.html", user, reports=listed.reports, period=period)


@post("/fairness", guards=[signed_in(FAIRNESS)], include_in_schema=False)
async def create(request: Request[Any, Any, Any], fairness: FairnessDep, user: SignedIn) -> Response[Any]:
    """A report of a scored month's drivers, made and chained by the service the API uses."""
    period = str((await request.form()).get("period") or "").strip()
    why = check_period(period)
    if why:
        raise ValidationFailed(why, path="period")
    report = await fairness.create_report(user.principal, ReportRequest(period=period))
    return to(f"/console/fairness/{report.id}")


def _drawn(report: Report) -> dict[str, Any]:
    """The report's pieces as ``saas.fairness.render`` draws them for the API's HTML (SVG, no script)."""
    return {"outcomes": [outcome_section(o) for o in report.body.outcomes],
            "drivers_chart": drivers_chart(report), "trend_chart": trend_chart(report)}


@get("/fairness/{report_id:str}", guards=[signed_in(FAIRNESS)], include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], fairness: FairnessDep, user: SignedIn,
                      report_id: FromPath[PathId]) -> Template:
    report = await fairness.get_report(user.tenant_id, report_id)
    drawn = await anyio.to_thread.run_sync(_drawn, report)
    return page(request, "fairness_report.html", user, report=report, body=report.body, labels=LABELS,
                **drawn)


ROUTES = [reports, create, report_page]
