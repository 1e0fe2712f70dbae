"""Charts of a configuration change's impact test (``saas.content.configs.ConfigTest``): re-priced quotes
by premium change (count and dollars: the rate exhibit), the book's drivers by multiplier change, and
the tier migration matrix as a heat map with its counts written in."""

from __future__ import annotations

import altair as alt

from saas.charts import DECREASE, INCREASE, UNCHANGED, data, svg_of
from saas.content.book import BookImpact
from saas.content.configs import ConfigTest
from saas.rates.impact import BANDS
from saas.rates.impact_render import render_svg


def multiplier_chart(book: BookImpact) -> str:
    order = [label for label, _ in BANDS]
    rows = [{"band": b.label, "drivers": b.count,
             "direction": "decrease" if i < 3 else "unchanged" if i == 3 else "increase"}
            for i, b in enumerate(book.bands)]
    base = alt.Chart(data(rows)).encode(
        x=alt.X("band:N", sort=order, title="Multiplier change band (% of the multiplier in force)",
                axis=alt.Axis(labelAngle=-30)))
    bars = base.mark_bar().encode(
        y=alt.Y("drivers:Q", title="Drivers (count)", axis=alt.Axis(format="d")),
        color=alt.Color("direction:N", title="Multiplier", scale=alt.Scale(
            domain=["decrease", "unchanged", "increase"], range=[DECREASE, UNCHANGED, INCREASE])))
    title = f"Drivers of {book.period} by telematics multiplier change ({book.changed} of {book.drivers} move)"
    chart = (bars + base.mark_text(dy=-6).encode(y="drivers:Q", text="drivers:Q")).properties(
        title=title, width=460, height=220)
    return svg_of(chart, title)


def migration_chart(book: BookImpact) -> str:
    old = list(book.tier_migration)
    new = sorted({t for row in book.tier_migration.values() for t in row} | set(old))
    rows = [{"from": a, "to": b, "drivers": book.tier_migration.get(a, {}).get(b, 0)} for a in old for b in new]
    base = alt.Chart(data(rows)).encode(
        x=alt.X("to:N", sort=new, title="Tier under the draft", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("from:N", sort=old, title="Tier in force"))
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("drivers:Q", title="Drivers", scale=alt.Scale(scheme="blues")))
    labels = base.mark_text(fontSize=12).encode(
        text="drivers:Q", color=alt.condition("datum.drivers > 0", alt.value("#1d2430"), alt.value("#9aa5b8")))
    title = f"Tier migration of {book.drivers} drivers ({book.period})"
    chart = (cells + labels).properties(title=title, width=48 * len(new), height=36 * len(old))
    return svg_of(chart, title + ": rows are the tier in force, columns the draft's")


def impact_charts(result: ConfigTest) -> dict[str, str]:
    charts: dict[str, str] = {}
    if result.quotes.impact is not None:
        charts["premium"] = render_svg(result.quotes.impact)
    if result.drivers is not None:
        charts["multiplier"] = multiplier_chart(result.drivers)
        if result.drivers.tier_migration:
            charts["migration"] = migration_chart(result.drivers)
    return charts
