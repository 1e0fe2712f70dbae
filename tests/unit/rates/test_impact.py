"""The rate impact exhibit: a hand-computed book, band edges, matching by key, and rendering."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import msgspec
import pytest

from saas.rates.impact import (
    BANDS,
    BandRow,
    Impact,
    KeyMismatchError,
    ScenarioChange,
    ScenarioError,
    band_index,
    compute_impact,
    pair_by_key,
    percentile,
    scenario_change,
)
from saas.rates.impact_render import render_svg, render_text

pytestmark = pytest.mark.unit

D = Decimal
OLD: dict[str, Decimal | ScenarioError] = {
    "a": D("100.00"), "b": D("200.00"), "c": D("300.00"), "d": D("400.00"), "e": D("250.00"), "f": D("90.00"),
}
NEW: dict[str, Decimal | ScenarioError] = {
    "e": D("220.00"), "d": D("460.00"), "c": D("300.00"), "b": D("210.00"), "a": D("90.00"),
    "f": ScenarioError("f", "no rate table in effect"),
}
"""Percent changes a −10, b +5, c 0, d +15, e −12; f fails under the new table. NEW is in another order."""


def hand_impact() -> Impact:
    return compute_impact(pair_by_key(OLD, NEW))


def test_hand_computed_book() -> None:
    d = ScenarioChange("d", D("400.00"), D("460.00"), D("60.00"), D(15))
    e = ScenarioChange("e", D("250.00"), D("220.00"), D("-30.00"), D(-12))
    assert hand_impact() == Impact(
        count=5,
        errors=[ScenarioError("f", "new table: no rate table in effect")],
        old_premium=D("1250.00"), new_premium=D("1280.00"), premium_change=D("30.00"),
        overall_pct=D("2.4"),  # 30 / 1250
        mean_pct=D("-0.4"),  # (-12 - 10 + 0 + 5 + 15) / 5
        median_pct=D(0),
        p05_pct=D("-11.6"),  # rank 4 × 0.05 = 0.2: -12 + 0.2 × (-10 - -12)
        p95_pct=D(13),  # rank 3.8: 5 + 0.8 × (15 - 5)
        largest_increase=d, largest_decrease=e,
        bands=[
            BandRow("< -10%", "p < -10%", 1, D("-30.00")),
            BandRow("-10% to -5%", "-10% <= p < -5%", 1, D("-10.00")),
            BandRow("-5% to 0%", "-5% <= p < 0%", 0, D(0)),
            BandRow("0%", "p = 0% (unchanged)", 1, D(0)),
            BandRow("0% to +5%", "0% < p <= +5%", 1, D("10.00")),
            BandRow("+5% to +10%", "+5% < p <= +10%", 0, D(0)),
            BandRow("> +10%", "p > +10%", 1, D("60.00")),
        ],
    )


@pytest.mark.parametrize(("new", "label"), [
    ("89.99", "< -10%"), ("90.00", "-10% to -5%"), ("94.99", "-10% to -5%"), ("95.00", "-5% to 0%"),
    ("99.99", "-5% to 0%"), ("100.00", "0%"), ("100.01", "0% to +5%"), ("105.00", "0% to +5%"),
    ("105.01", "+5% to +10%"), ("110.00", "+5% to +10%"), ("110.01", "> +10%"), ("0", "< -10%"),
])
def test_band_edges_go_to_the_band_nearer_zero(new: str, label: str) -> None:
    change = scenario_change("k", D("100.00"), D(new))
    assert BANDS[band_index(change.pct_change)][0] == label
    rows = compute_impact([change]).bands
    assert [row.label for row in rows if row.count] == [label]


def test_a_tiny_change_is_not_unchanged() -> None:
    assert BANDS[band_index(D("0.0001"))][0] == "0% to +5%"
    assert BANDS[band_index(D("-0.0001"))][0] == "-5% to 0%"


def test_overall_change_is_premium_weighted_not_the_mean() -> None:
    impact = compute_impact(pair_by_key({"small": D(100), "large": D(900)}, {"small": D(110), "large": D(900)}))
    assert impact.mean_pct == 5
    assert impact.overall_pct == 1
    assert impact.premium_change == 10


def test_mismatched_keys_are_refused_naming_them() -> None:
    with pytest.raises(KeyMismatchError, match=r"only in old: b; only in new: c, d"):
        pair_by_key({"a": D(1), "b": D(1)}, {"a": D(1), "c": D(1), "d": D(1)})
    many = {str(n): D(1) for n in range(20)}
    with pytest.raises(KeyMismatchError, match=r"only in old: none; only in new: 0, 1, 10, 11, 12 and 15 more"):
        pair_by_key({}, many)


def test_matching_is_by_key_not_position() -> None:
    pairs = pair_by_key({"x": D(100), "y": D(200)}, {"y": D(100), "x": D(200)})
    assert [(p.key, p.old, p.new) for p in pairs if isinstance(p, ScenarioChange)] == [
        ("x", D(100), D(200)), ("y", D(200), D(100))]


def test_a_scenario_failing_on_both_sides_names_both() -> None:
    assert pair_by_key({"k": ScenarioError("k", "boom")}, {"k": ScenarioError("k", "bang")}) == [
        ScenarioError("k", "old table: boom; new table: bang")]


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError, match="old > 0"):
        scenario_change("k", D(0), D(100))
    with pytest.raises(ValueError, match="old > 0"):
        scenario_change("k", D(100), D(-1))
    with pytest.raises(ValueError, match="repeated: k"):
        compute_impact([scenario_change("k", D(1), D(2)), ScenarioError("k", "x")])
    with pytest.raises(ValueError, match="no scenario was priced"):
        compute_impact([ScenarioError("k", "x")])


def test_no_increase_or_no_decrease_is_none() -> None:
    impact = compute_impact([scenario_change("k", D(100), D(90))])
    assert impact.largest_increase is None
    assert impact.largest_decrease == scenario_change("k", D(100), D(90))


def test_figures_of_equal_repeating_changes_are_that_change() -> None:
    """Sums are exact and each figure is rounded once, so 4 × +33.33…% averages to +33.33…%, not …32."""
    impact = compute_impact(scenario_change(str(key), D("3.00"), D("4.00")) for key in range(4))
    third = D("33.33333333333333333333333333")
    assert impact.mean_pct == impact.overall_pct == impact.median_pct == impact.p05_pct == impact.p95_pct == third


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [D(0), D(10), D(20), D(40)]
    assert percentile(values, D("0.5")) == 15
    assert percentile(values, D("0.95")) == D("37.0")  # rank 2.85
    assert percentile([D(7)], D("0.05")) == 7


def test_impact_round_trips_as_json() -> None:
    impact = hand_impact()
    assert msgspec.json.decode(msgspec.json.encode(impact), type=Impact) == impact


def test_render_text() -> None:
    assert render_text(hand_impact()) == (
        "Premium impact of 5 scenarios (1 not priced)\n"
        "  Written premium   $1,250.00 -> $1,280.00  (+$30.00, +2.40% premium-weighted)\n"
        "  Mean change       -0.40%\n"
        "  Median change     0.00%\n"
        "  5th percentile    -11.60%\n"
        "  95th percentile   +13.00%\n"
        "  Largest increase  +15.00%  d  ($400.00 -> $460.00)\n"
        "  Largest decrease  -12.00%  e  ($250.00 -> $220.00)\n"
        "\n"
        "  Band          Rule                Policies    Premium change\n"
        "  < -10%        p < -10%                   1           -$30.00  ##############################\n"
        "  -10% to -5%   -10% <= p < -5%            1           -$10.00  ##############################\n"
        "  -5% to 0%     -5% <= p < 0%              0             $0.00\n"
        "  0%            p = 0% (unchanged)         1             $0.00  ##############################\n"
        "  0% to +5%     0% < p <= +5%              1           +$10.00  ##############################\n"
        "  +5% to +10%   +5% < p <= +10%            0             $0.00\n"
        "  > +10%        p > +10%                   1           +$60.00  ##############################\n"
        "  p is a policy's unrounded % change; an edge counts in the band nearer 0% (-10% is in -10% to -5%).\n"
        "\n"
        "Not priced (1):\n"
        "  f: new table: no rate table in effect\n"
    )


def test_render_text_rounds_half_up_and_scales_bars() -> None:
    book = {f"k{n}": (D("3.00"), D("3.01")) for n in range(3)} | {"big": (D("1000.00"), D("1200.005"))}
    text = render_text(compute_impact(scenario_change(k, old, new) for k, (old, new) in book.items()))
    assert "+0.33%" in text  # 0.333…%
    assert "+20.00%  big  ($1,000.00 -> $1,200.01)" in text  # 200.005 / 1000 = 20.0005 %; $1,200.005 half up
    assert "  0% to +5%     0% < p <= +5%              3            +$0.03  ##############################\n" in text
    assert "  > +10%        p > +10%                   1          +$200.01  ##########\n" in text  # 200.005 half up


def test_render_svg_is_well_formed_deterministic_and_labelled() -> None:
    svg = render_svg(hand_impact())
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert all(label in texts for label, _ in BANDS)
    assert "< -10%" in texts and "&lt; -10%" in svg
    assert "+$60.00" in texts and "-$30.00" in texts
    assert "Policies (count)" in texts and "Premium change (USD)" in texts
    assert any(text and text.startswith("Premium impact: 5 scenarios") for text in texts)
    assert render_svg(hand_impact()) == svg
    assert "<script" not in svg and "href" not in svg
