"""The gate's rule: a flag that appears is 'crossed', a flagged gap that grows is 'widened'."""

from __future__ import annotations

import numpy as np
import pytest

from saas.fairness.census import GROUPS
from saas.fairness.gate import evaluate

pytestmark = pytest.mark.unit


def book(n: int = 400) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    white = [f"w{i}" for i in range(n)]
    hispanic = [f"h{i}" for i in range(n)]
    proxies = {d: np.eye(6)[GROUPS.index("white")] * 0.95 + 0.05 / 6 for d in white}
    proxies |= {d: np.eye(6)[GROUPS.index("hispanic")] * 0.95 + 0.05 / 6 for d in hispanic}
    return proxies, white, hispanic


def premiums(white: list[str], hispanic: list[str], lift: float, seed: int = 4) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    values = {d: float(800 * np.exp(rng.normal(0, 0.05))) for d in white}
    values |= {d: float(800 * (1 + lift) * np.exp(rng.normal(0, 0.05))) for d in hispanic}
    return {"premium": values}


def test_a_change_that_opens_a_gap_crosses_and_one_that_widens_it_is_caught() -> None:
    proxies, white, hispanic = book()
    opened = evaluate(premiums(white, hispanic, 0.0), premiums(white, hispanic, 0.10), proxies, "white")
    assert opened.blocked and [(c.group, c.change) for c in opened.changes] == [("hispanic", "crossed")]
    widened = evaluate(premiums(white, hispanic, 0.08), premiums(white, hispanic, 0.12), proxies, "white")
    assert widened.blocked and [(c.group, c.change) for c in widened.changes] == [("hispanic", "widened")]
    assert widened.changes[0].before == pytest.approx(0.08, abs=0.01)


def test_a_change_that_narrows_a_gap_or_keeps_parity_passes() -> None:
    proxies, white, hispanic = book()
    assert not evaluate(premiums(white, hispanic, 0.12), premiums(white, hispanic, 0.08), proxies, "white").blocked
    steady = evaluate(premiums(white, hispanic, 0.0), premiums(white, hispanic, 0.01), proxies, "white")
    assert not steady.blocked and steady.flags_after == [] and steady.drivers == 800
