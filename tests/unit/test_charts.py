"""Every chart the product draws, with Altair's Vega-Lite schema validation on (serving skips it, so
this is where a malformed spec is caught), rendered to SVG with its title and axis titles in it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import numpy as np
import pytest

from saas import charts as chart_lib
from saas.console import charts
from saas.console.queries import MonthColumns
from saas.rates.impact_render import render_svg
from saas.scoring.drift import DriftReport, VariableDrift
from saas.trips.api_schemas import ScoreHistory, ScoreView
from tests.unit.rates.test_impact import hand_impact

pytestmark = pytest.mark.unit
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def validating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_lib, "VALIDATE", True)
    monkeypatch.setattr(chart_lib, "_cache", type(chart_lib._cache)())


def texts(svg: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(svg).iter(f"{SVG}text")]


def months() -> list[MonthColumns]:
    rng = np.random.default_rng(3)
    return [MonthColumns(period, list(rng.uniform(0.3, 1.2, 50)), list(rng.uniform(0, 100, 50)),
                         list(rng.choice(["A", "B", "C"], 50))) for period in ("2026-10", "2026-11")]


def test_impact_exhibit() -> None:
    shown = texts(render_svg(hand_impact()))
    assert "Policies (count)" in shown and "Premium change band (% of old premium)" in shown


def test_month_histograms_and_tiers_show_both_months() -> None:
    svg = charts.month_histogram(months(), "safety", title="Safety scores", axis="Safety score (0–100)",
                                 edges=np.linspace(0, 100, 11))
    shown = texts(svg)
    assert {"Safety scores", "Safety score (0–100)", "Drivers (% of the month)", "2026-10", "2026-11"} <= set(shown)
    assert {"Tiers", "A", "B", "C"} <= set(texts(charts.tier_chart(months(), ["A", "B", "C"])))


def test_score_history_and_drift() -> None:
    view = ScoreView("2026-11", 0.5, Decimal("71.5"), Decimal("60.0"), "B", "Good", 30, "top 30% safest",
                     Decimal("0.95"), 5, 120.0, ["Brake gently."])
    shown = texts(charts.score_history_chart(ScoreHistory("d-1", [view, view])))
    assert "Safety score (0–100)" in shown and "smoothed" in shown and "month alone" in shown
    report = DriftReport("m", 50, VariableDrift("risk_score", 0.05, "stable", 0.0),
                         [VariableDrift("miles", 0.3, "significant", 0.1)])
    shown = texts(charts.drift_chart(report))
    assert "Population stability index (PSI)" in shown and "miles" in shown
