"""The impact exhibit for people: a text table with a histogram, and an SVG bar chart of the bands.

This is the only place figures are rounded (percents to 2 places, money to cents, half up), so the
exhibit a reviewer reads and the exact ``Impact`` a filing stores never disagree beyond rounding.
The SVG is self-contained (no scripts, fonts or links) and deterministic, so a filing can embed it
and a rerun over the same results yields the same bytes; every text in it is XML-escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from saas.rates.impact import Impact, ScenarioChange
from saas.rates.numbers import show_money, show_percent

BAR_WIDTH = 30
"""Characters of the longest histogram bar in the text exhibit."""
EDGE_NOTE = "p is a policy's unrounded % change; an edge counts in the band nearer 0% (-10% is in -10% to -5%)."
SHOWN_ERRORS = 10
_SLOT, _LEFT, _TOP, _PLOT_HEIGHT = 84, 20, 56, 180
_WIDTH, _HEIGHT = 7 * _SLOT + 2 * _LEFT, _TOP + _PLOT_HEIGHT + 84
_COLOURS = ("#2e7d32", "#2e7d32", "#2e7d32", "#757575", "#c62828", "#c62828", "#c62828")
"""Decreases green, unchanged grey, increases red: one colour per band of ``BANDS``."""


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
    """A bar chart of policies per band, with counts above and premium changes below the bars."""
    title = f"Policies by premium change: {impact.count} scenarios, overall {show_percent(impact.overall_pct)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="#ffffff"/>',
        _text(_WIDTH // 2, 24, title, size=14),
        f'<line x1="{_LEFT}" y1="{_TOP + _PLOT_HEIGHT}" x2="{_WIDTH - _LEFT}" y2="{_TOP + _PLOT_HEIGHT}" '
        f'stroke="#333333"/>',
    ]
    biggest = max(row.count for row in impact.bands) or 1
    for index, row in enumerate(impact.bands):
        parts.extend(_bar(index, row.label, row.count, show_money(row.premium_change, signed=True), biggest))
    parts.append(_text(_WIDTH // 2, _HEIGHT - 12, EDGE_NOTE, size=10))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _bar(index: int, label: str, count: int, money: str, biggest: int) -> list[str]:
    height = count * _PLOT_HEIGHT / biggest
    left, centre, base = _LEFT + index * _SLOT, _LEFT + index * _SLOT + _SLOT // 2, _TOP + _PLOT_HEIGHT
    return [
        f'<rect x="{left + 10}" y="{base - height:.1f}" width="{_SLOT - 20}" height="{height:.1f}" '
        f'fill="{_COLOURS[index]}"/>',
        _text(centre, round(base - height) - 6, str(count)),
        _text(centre, base + 18, label),
        _text(centre, base + 34, money, size=10),
    ]


def _text(x: int, y: int, content: str, *, size: int = 12) -> str:
    return f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="middle">{escape(content)}</text>'
