"""The console's charts (Vega-Lite through ``saas.charts``): a month against the one before, a
driver's history, drift per input. Values are binned here, so a spec carries a few dozen rows
whatever the size of the book, and every chart has a title and axis titles with their units.
"""

from __future__ import annotations

from collections import Counter

import altair as alt
import numpy as np

from saas.charts import DECREASE, INCREASE, UNCHANGED, data, svg_of
from saas.console.queries import MonthColumns
from saas.scoring.drift import MODERATE, STABLE, DriftReport
from saas.trips.api_schemas import ScoreHistory

MONTH_COLOURS = ("#9aa5b8", "#1f5fbf")
"""The previous month pale, the month shown strong."""


def _share_rows(values: list[float], edges: np.ndarray, period: str) -> list[dict[str, object]]:
    counts, _ = np.histogram(np.asarray(values, dtype=float), bins=edges)
    total = max(1, len(values))
    return [{"bin": f"{edges[i]:g}–{edges[i + 1]:g}", "order": i, "share": 100 * int(c) / total, "drivers": int(c),
             "month": period} for i, c in enumerate(counts)]


def month_histogram(months: list[MonthColumns], field: str, *, title: str, axis: str,
                    edges: np.ndarray) -> str:
    """Share of drivers per bin of ``field`` (``risk`` or ``safety``), one bar per month side by side."""
    rows = [row for month in months for row in _share_rows(getattr(month, field), edges, month.period)]
    periods = [m.period for m in months]
    chart = alt.Chart(data(rows)).mark_bar().encode(
        x=alt.X("bin:N", sort=alt.EncodingSortField("order"), title=axis, axis=alt.Axis(labelAngle=-40)),
        xOffset=alt.XOffset("month:N", sort=periods),
        y=alt.Y("share:Q", title="Drivers (% of the month)"),
        color=alt.Color("month:N", title="Month", sort=periods,
                        scale=alt.Scale(domain=periods, range=list(MONTH_COLOURS[-len(periods):]))),
    ).properties(title=title, width=460, height=200)
    return svg_of(chart, f"{title}: {', '.join(periods)}")


def tier_chart(months: list[MonthColumns], order: list[str]) -> str:
    rows = []
    for month in months:
        counts, total = Counter(month.tiers), max(1, len(month.tiers))
        rows += [{"tier": t, "share": 100 * counts.get(t, 0) / total, "month": month.period} for t in order]
    periods = [m.period for m in months]
    chart = alt.Chart(data(rows)).mark_bar().encode(
        x=alt.X("tier:N", sort=order, title="Tier", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("month:N", sort=periods),
        y=alt.Y("share:Q", title="Drivers (% of the month)"),
        color=alt.Color("month:N", title="Month", sort=periods,
                        scale=alt.Scale(domain=periods, range=list(MONTH_COLOURS[-len(periods):]))),
    ).properties(title="Tiers", width=460, height=200)
    return svg_of(chart, "Share of drivers per tier, " + ", ".join(periods))


def score_history_chart(history: ScoreHistory) -> str:
    rows = [{"month": s.period, "score": float(value), "kind": kind} for s in reversed(history.scores)
            for kind, value in (("smoothed", s.safety_score), ("month alone", s.safety_score_month))]
    chart = alt.Chart(data(rows)).mark_line(point=True).encode(
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title="Safety score (0–100)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("kind:N", title="Score", scale=alt.Scale(domain=["smoothed", "month alone"],
                                                                 range=["#1f5fbf", "#9aa5b8"])),
    ).properties(title=f"Safety score of {history.driver_id} by month", width=460, height=220)
    return svg_of(chart, f"Safety score history of driver {history.driver_id}")


def drift_chart(report: DriftReport) -> str:
    rows = [{"input": v.name, "psi": v.psi, "status": v.status} for v in [report.score, *report.features]]
    bars = alt.Chart(data(rows)).mark_bar().encode(
        y=alt.Y("input:N", sort="-x", title="Model input"),
        x=alt.X("psi:Q", title="Population stability index (PSI)"),
        color=alt.Color("status:N", title="Reading", scale=alt.Scale(
            domain=["stable", "moderate", "significant", "no-data"], range=[DECREASE, "#d49a00", INCREASE, UNCHANGED])),
    )
    rules = alt.Chart(data([{"x": STABLE}, {"x": MODERATE}])).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    chart = (bars + rules).properties(title=f"Drift against the training population ({report.rows} drivers)",
                                      width=420, height=max(120, 22 * len(rows)))
    return svg_of(chart, "PSI per model input; dashed lines at 0.10 (moderate) and 0.25 (significant)")
