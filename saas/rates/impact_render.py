"""The impact exhibit for people: a text table with a histogram, and SVG bar charts of the bands.

This is the only place figures are rounded (percents to 2 places, money to cents, half up), so the
exhibit a reviewer reads and the exact ``Impact`` a filing stores never disagree beyond rounding.
The SVG comes from the console's charting library (``saas.charts``: Vega-Lite rendered on the
server), self-contained (no scripts or links) and deterministic, so a filing can embed it and a
rerun over the same results yields the same bytes.
"""

from __future__ import annotations

import altair as alt

from saas.charts import DECREASE, INCREASE, UNCHANGED, data, svg_of
from saas.rates.impact import BANDS, Impact, ScenarioChange
from saas.rates.numbers import show_money, show_percent

BAR_WIDTH = 30
"""Characters of the longest histogram bar in the text exhibit."""
EDGE_NOTE = "p is a policy's unrounded % change; an edge counts in the band nearer 0% (-10% is in -10% to -5%)."
SHOWN_ERRORS = 10


def render_text(impact: Impact) -> str:
    """A summary, the band table with a ``#`` histogram of policy counts, and the unpriced scenarios."""
    not_priced = f" ({len(impact.errors)} not priced)" if impact.errors else ""
    lines = [
        f"Premium impact of {impact.count} scenarios{not_priced}",
        f"  Written premium   {show_money(impact.old_premium)} -> {show_money(impact.new_premium)}"
        f"  ({show_money(impact.premium_change, signed=True)}, {show_percent(impact.overall_pct)} premium-weighted)",
        f"  Mean change       {show_percent(impact.mean_pct)}",
        f"  Median change     {show_percent(impact.median_pct)}",
        f"  5th percentile    {show_percent(impact.p05_pct)}",
        f"  95th percentile   {show_percent(impact.p95_pct)}",
        f"  Largest increase  {_extreme(impact.largest_increase)}",
        f"  Largest decrease  {_extreme(impact.largest_decrease)}",
        "",
        f"  {'Band':<12}  {'Rule':<18}  {'Policies':>8}  {'Premium change':>16}",
        *_band_lines(impact),
        f"  {EDGE_NOTE}",
    ]
    if impact.errors:
        lines += ["", f"Not priced ({len(impact.errors)}):"]
        lines += [f"  {error.key}: {error.message}" for error in impact.errors[:SHOWN_ERRORS]]
        if len(impact.errors) > SHOWN_ERRORS:
            lines.append(f"  ... and {len(impact.errors) - SHOWN_ERRORS} more")
    return "\n".join(lines) + "\n"


def _extreme(change: ScenarioChange | None) -> str:
    if change is None:
        return "none"
    return (f"{show_percent(change.pct_change)}  {change.key}  "
            f"({show_money(change.old)} -> {show_money(change.new)})")


def _band_lines(impact: Impact) -> list[str]:
    biggest = max(row.count for row in impact.bands) or 1
    lines = []
    for row in impact.bands:
        bar = "#" * max(1 if row.count else 0, (2 * row.count * BAR_WIDTH + biggest) // (2 * biggest))
        money = show_money(row.premium_change, signed=True)
        lines.append(f"  {row.label:<12}  {row.rule:<18}  {row.count:>8}  {money:>16}  {bar}".rstrip())
    return lines


def render_svg(impact: Impact) -> str:
    """Two bar charts over the same bands (SERFF-style): policies affected, and premium change in dollars,
    with each bar's figure written on it."""
    title = f"Premium impact: {impact.count} scenarios, overall {show_percent(impact.overall_pct)} (premium-weighted)"
    rows = [{"band": row.label, "policies": row.count, "dollars": float(row.premium_change),
             "money": show_money(row.premium_change, signed=True), "direction": _direction(index)}
            for index, row in enumerate(impact.bands)]
    colour = alt.Color("direction:N", title="Premium", scale=alt.Scale(
        domain=["decrease", "unchanged", "increase"], range=[DECREASE, UNCHANGED, INCREASE]))
    x = alt.X("band:N", sort=[label for label, _ in BANDS], title="Premium change band (% of old premium)",
              axis=alt.Axis(labelAngle=-30))
    base = alt.Chart(data(rows)).encode(x=x)
    ticks = min(5, max(1, *(row.count for row in impact.bands)))  # whole policies only on the count axis
    policies = alt.Y("policies:Q", title="Policies (count)", axis=alt.Axis(format="d", tickCount=ticks))
    dollars = alt.Y("dollars:Q", title="Premium change (USD)", axis=alt.Axis(format="$,.0f"))
    count = (base.mark_bar().encode(y=policies, color=colour)
             + base.mark_text(dy=-6).encode(y="policies:Q", text="policies:Q")
             ).properties(title="Policies by premium change", width=420, height=200)
    money = (base.mark_bar().encode(y=dollars, color=colour)
             + base.mark_text(dy=-6).encode(y="dollars:Q", text="money:N")
             ).properties(title="Premium change by band (USD)", width=420, height=200)
    chart = alt.hconcat(count, money).properties(title=alt.Title(title, subtitle=EDGE_NOTE))
    return svg_of(chart, title)


def _direction(index: int) -> str:
    return "decrease" if index < 3 else "unchanged" if index == 3 else "increase"
