"""A stored report as CSV (one row per outcome, group and figure, for spreadsheets) and as an HTML
page a compliance officer can read and file: the flags first, then each outcome's table, the drivers
of each gap and the monthly trend, with charts drawn by Vega-Altair and rendered to SVG on the
server by vl-convert (the page needs no script and no network to display).
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from saas.fairness.census import LABELS
from saas.fairness.schemas import GroupFigures, OutcomeFigures, Report

FIGURES = ("n", "n_effective", "mean", "ratio", "smd", "t", "df", "p_t", "rate_difference", "air", "odds_ratio",
           "z", "p_z")


def _rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = []
    months = [(report.body.scope, report.body.outcomes), *((m.period, m.outcomes) for m in report.body.months)]
    for scope, outcomes in months:
        for outcome in outcomes:
            for g in outcome.groups:
                for name in FIGURES:
                    value = getattr(g, name)
                    if value is not None:
                        rows.append([scope, outcome.outcome, g.group, name, value, ""])
                for name in ("ratio_ci", "smd_ci", "air_ci", "rate_difference_ci"):
                    ci = getattr(g, name)
                    if ci is not None:
                        rows.append([scope, outcome.outcome, g.group, name, ci[0], ci[1]])
                if g.too_small:
                    rows.append([scope, outcome.outcome, g.group, "too_small", 1, ""])
            for r in outcome.regression:
                rows.append([scope, outcome.outcome, r.group, f"gap[{r.controls}]", r.gap, ""])
                rows.append([scope, outcome.outcome, r.group, f"gap_ci[{r.controls}]", r.gap_low, r.gap_high])
                rows.append([scope, outcome.outcome, r.group, f"p[{r.controls}]", r.p, ""])
    for d in report.body.drivers:
        rows.append([report.body.scope, "risk_score", d.group, f"driver[{d.input}].contribution_gap",
                     d.contribution_gap, ""])
        rows.append([report.body.scope, "multiplier", d.group, f"driver[{d.input}].gap_change", d.gap_change, ""])
    return rows


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "outcome", "group", "figure", "value", "upper"])
    writer.writerows(_rows(report))
    return out.getvalue()


def _svg(chart: alt.TopLevelMixin) -> str:
    return str(vlc.vegalite_to_svg(chart.to_json()))


def ratio_chart(outcome: OutcomeFigures) -> str:
    data = pd.DataFrame([{"group": LABELS[g.group], "ratio": g.ratio, "low": (g.ratio_ci or (g.ratio,) * 2)[0],
                          "high": (g.ratio_ci or (g.ratio,) * 2)[1]} for g in outcome.groups if g.ratio is not None])
    if data.empty:
        return ""
    base = alt.Chart(data).encode(y=alt.Y("group:N", title=None))
    bars = base.mark_point(filled=True, size=80).encode(x=alt.X("ratio:Q", scale=alt.Scale(zero=False),
                                                                title=f"{outcome.outcome}: ratio to reference"))
    whiskers = base.mark_rule().encode(x="low:Q", x2="high:Q")
    parity = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return _svg((whiskers + bars + parity).properties(width=420, height=24 * len(data) + 20))


def drivers_chart(report: Report) -> str:
    data = pd.DataFrame([{"group": LABELS[d.group], "input": d.input, "gap": d.contribution_gap}
                         for d in report.body.drivers])
    if data.empty:
        return ""
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("gap:Q", title="group − reference mean contribution (risk-score points)"),
        y=alt.Y("input:N", title=None), row=alt.Row("group:N", title=None))
    return _svg(chart.properties(width=420, height=140))


def trend_chart(report: Report) -> str:
    points = [{"period": m.period, "group": LABELS[g.group], "ratio": g.ratio}
              for m in report.body.months for o in m.outcomes if o.outcome == "multiplier"
              for g in o.groups if g.ratio is not None]
    points += [{"period": report.body.scope.split(":", 1)[1], "group": LABELS[g.group], "ratio": g.ratio}
               for o in report.body.outcomes if o.outcome == "multiplier" for g in o.groups if g.ratio is not None]
    if len({p["period"] for p in points}) < 2:
        return ""
    chart = alt.Chart(pd.DataFrame(points)).mark_line(point=True).encode(
        x=alt.X("period:O"), y=alt.Y("ratio:Q", scale=alt.Scale(zero=False), title="multiplier ratio"),
        color=alt.Color("group:N"))
    return _svg(chart.properties(width=480, height=220))


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return f"{value[0]:.3f} – {value[1]:.3f}"
    return f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))


def _group_row(g: GroupFigures) -> str:
    if g.too_small:
        return (f"<tr><td>{LABELS[g.group]}</td><td>{g.n:.1f}</td><td>{g.n_effective:.1f}</td>"
                "<td colspan='7'>too small (fewer than 30 effective drivers): no ratio</td></tr>")
    cells = [g.n, g.n_effective, g.mean, g.ratio, g.ratio_ci, g.smd, g.p_t, g.air, g.odds_ratio, g.p_z]
    return f"<tr><td>{LABELS[g.group]}</td>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>"


def outcome_section(outcome: OutcomeFigures) -> str:
    head = ("<tr><th>group</th><th>n</th><th>effective n</th><th>mean</th><th>ratio</th><th>95 % interval</th>"
            "<th>SMD</th><th>Welch p</th><th>AIR</th><th>odds ratio</th><th>z-test p</th></tr>")
    rows = "".join(_group_row(g) for g in outcome.groups)
    fits = "".join(f"<tr><td>{LABELS[r.group]}</td><td>{r.controls}</td><td>{r.gap:+.2%}</td>"
                   f"<td>{r.gap_low:+.2%} – {r.gap_high:+.2%}</td><td>{r.p:.3g}</td></tr>" for r in outcome.regression)
    regression = ("<h4>log-linear regression (HC3), gap e^β − 1</h4><table><tr><th>group</th><th>controls</th>"
                  f"<th>gap</th><th>95 % interval</th><th>p</th></tr>{fits}</table>") if fits else ""
    return (f"<h3>{html.escape(outcome.outcome)} (reference mean {outcome.reference_mean:.4g}; adverse when "
            f"{outcome.adverse_when})</h3><table>{head}{rows}</table>{ratio_chart(outcome)}{regression}")


def render_html(report: Report) -> str:
    body = report.body
    flags = "".join(f"<li>{html.escape(f.detail)}</li>" for f in body.flags) or "<li>none</li>"
    prov = body.provenance
    drivers = "".join(f"<tr><td>{LABELS[d.group]}</td><td>{html.escape(d.input)}</td><td>{d.contribution_gap:+.4f}</td>"
                      f"<td>{_cell(d.share)}</td><td>{d.gap_change:+.4f}</td></tr>" for d in body.drivers)
    return "".join([
        "<!doctype html><html><head><meta charset='utf-8'><title>Fairness report</title><style>"
        "body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style></head><body>",
        f"<h1>Fairness report {html.escape(report.id)}</h1><p>{html.escape(body.scope)}, reference group "
        f"{LABELS[body.reference]}, created {html.escape(report.created_at)} by {html.escape(report.created_by)}; "
        f"SHA-256 {report.hash} (audit chain)</p>",
        f"<h2>Flags</h2><ul>{flags}</ul>",
        f"<h2>Where the numbers come from</h2><p>{prov.with_proxy} of {prov.drivers} drivers have a proxy "
        f"(coverage {prov.coverage:.1%}); methods {html.escape(str(prov.methods))}. {html.escape(prov.census_vintage)}."
        f" Figures are {html.escape(prov.weighting)}; intervals: {html.escape(prov.bootstrap)}.</p>",
        "<h2>Outcomes</h2>", *(outcome_section(o) for o in body.outcomes),
        "<h2>Drivers of the gaps</h2><table><tr><th>group</th><th>model input</th><th>contribution gap</th>"
        f"<th>share of risk gap</th><th>multiplier gap change when marginalised</th></tr>{drivers}</table>",
        drivers_chart(report), "<h2>Last months</h2>", trend_chart(report), "</body></html>"])
