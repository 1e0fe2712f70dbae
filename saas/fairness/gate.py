"""The deploy gate's rule, pure: a change is blocked when, on its test's book, it moves any group
across a flag threshold (a flag after that was not there before) or widens a gap already flagged
(the same flag, further from parity after than before). Figures before and after are computed the
same way as a report's (``report.outcome_figures``), without intervals, so a gate stays quick.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from saas.fairness.census import GROUPS, VINTAGE
from saas.fairness.report import Book, Outcome, flags_of, outcome_figures
from saas.fairness.schemas import Flag, GateChange, GateResult, OutcomeFigures

Outcomes = Mapping[str, Mapping[str, float]]
"""outcome name → driver id (or quote reference) → value, e.g. {"premium": {"d1": 812.40, ...}}."""
LOWER_IS_ADVERSE = frozenset({"safety_score"})


def gate_book(name: str, before: Mapping[str, float], after: Mapping[str, float],
              proxies: Mapping[str, np.ndarray]) -> tuple[Book, Book]:
    """One outcome's drivers present before, after and with a proxy, in a fixed order, both ways
    (outcomes may cover different drivers: a book's multipliers, recorded quotes' premiums)."""
    ids = sorted(set(before) & set(after) & set(proxies))
    P = np.array([proxies[d] for d in ids]).reshape(len(ids), len(GROUPS))
    books = []
    for values in (before, after):
        y = np.array([values[d] for d in ids], dtype=np.float64)
        columns = [Outcome(name, y, adverse_when="lower" if name in LOWER_IS_ADVERSE else "higher")]
        if name == "multiplier":
            columns.append(Outcome("surcharged", (y > 1).astype(np.float64), binary=True))
        books.append(Book(P, columns, len(ids), {}))
    return books[0], books[1]


def _key(flag: Flag) -> tuple[str, str, str]:
    return flag.outcome, flag.group, flag.kind


def _worse(kind: str, before: float, after: float) -> bool:
    """An adverse impact ratio falls further; a gap grows in size (its sign is the adverse one)."""
    return after < before if kind == "air" else abs(after) > abs(before)


def changes_of(before: list[Flag], after: list[Flag]) -> list[GateChange]:
    earlier = {_key(f): f for f in before}
    out = []
    for flag in after:
        old = earlier.get(_key(flag))
        if old is None:
            out.append(GateChange(flag.outcome, flag.group, flag.kind, "crossed", None, flag.value, flag.detail))
        elif _worse(flag.kind, old.value, flag.value):
            out.append(GateChange(flag.outcome, flag.group, flag.kind, "widened", old.value, flag.value,
                                  f"{flag.detail}; was {old.value:.4f}"))
    return out


def evaluate(before: Outcomes, after: Outcomes, proxies: Mapping[str, np.ndarray], reference: str) -> GateResult:
    ref = GROUPS.index(reference)
    fig_old: list[OutcomeFigures] = []
    fig_new: list[OutcomeFigures] = []
    drivers: set[str] = set()
    with threadpool_limits(1, user_api="blas"):  # as in report.build_report
        for name in sorted(set(before) & set(after)):
            old, new = gate_book(name, before[name], after[name], proxies)
            drivers |= set(before[name]) & set(after[name]) & set(proxies)
            if len(old.P):
                fig_old += outcome_figures(old, ref, full=False)
                fig_new += outcome_figures(new, ref, full=False)
    flags_old, flags_new = flags_of(fig_old), flags_of(fig_new)
    changes = changes_of(flags_old, flags_new)
    return GateResult(len(drivers), fig_old, fig_new, flags_old, flags_new, changes, bool(changes), VINTAGE)
