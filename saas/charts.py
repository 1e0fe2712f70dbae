"""Charts rendered on the server to SVG: Vega-Lite specs (built with altair) through ``vl-convert``.

Why this pair: a Vega-Lite spec is plain data (titles, axis titles with units, formats), so a chart
is declared in a few lines and reviewed like any other value; ``vl-convert`` renders it in-process
with its bundled engine and fonts (no browser, no network, no JavaScript on the page), and the same
spec yields the same bytes, so a filing can embed the SVG and a rerun reproduces it. Rendering
costs tens of milliseconds, so finished SVGs are kept by the hash of their spec.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

import altair as alt
import vl_convert
from altair.utils.schemapi import disable_debug_mode

DECREASE, UNCHANGED, INCREASE = "#2e7d32", "#757575", "#c62828"
"""Premium decreases green, unchanged grey, increases red, in every chart."""
FONT = "DejaVu Sans, Arial, sans-serif"
CACHED_CHARTS = 512
VALIDATE = False
"""Altair validates every spec against the Vega-Lite JSON schema (tens of ms a chart); the charts are
fixed shapes, so the tests validate them (``tests/unit/test_charts.py``) and serving does not."""
disable_debug_mode()  # the same validation on every channel object built
_cache: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def theme(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    """The spec of ``chart`` with the console's look and an accessible description (the SVG's aria-label)."""
    spec: dict[str, Any] = chart.to_dict(validate=VALIDATE)
    spec["description"] = description
    spec["background"] = "#ffffff"
    spec["config"] = {**spec.get("config", {}), "font": FONT, "title": {"fontSize": 14, "anchor": "start"},
                      "axis": {"labelFontSize": 11, "titleFontSize": 12}, "view": {"stroke": None}}
    return spec


def render(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec (self-contained: no scripts, links or external fonts)."""
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    svg = vl_convert.vegalite_to_svg(spec)
    with _lock:
        _cache[key] = svg
        while len(_cache) > CACHED_CHARTS:
            _cache.popitem(last=False)
    return svg


def svg_of(chart: alt.TopLevelMixin, description: str) -> str:
    return render(theme(chart, description))


def warm_up() -> None:
    """Start the renderer's engine (about two seconds, once per process) before the first page needs it."""
    vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}})


def data(rows: list[dict[str, Any]]) -> alt.Data:
    """Inline values (no data URLs or files for the renderer to fetch)."""
    return alt.Data(values=rows)
