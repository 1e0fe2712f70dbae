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
from saas.fairness.schemas import Flag, GateChange, GateResult

Outcomes = Mapping[str, Mapping[str, float]]
"""outcome name → driver id (or quote reference) → value, e.g. {"premium": {"d1": 812.40, ...}}."""
LOWER_IS_ADVERSE = frozenset({"safety_score"})


def gate_book(outcomes: Outcomes, proxies: Mapping[str, np.ndarray]) -> Book:
    """The drivers present in every outcome and with a proxy, in a fixed order."""
    ids = sorted(set.intersection(*(set(v) for v in outcomes.values())) & set(proxies)) if outcomes else []
    P = np.array([proxies[d] for d in ids]).reshape(len(ids), len(GROUPS))
    columns = []
    for name, values in sorted(outcomes.items()):
        y = np.array([values[d] for d in ids], dtype=np.float64)
        columns.append(Outcome(name, y, adverse_when="lower" if name in LOWER_IS_ADVERSE else "higher"))
        if name == "multiplier":
            columns.append(Outcome("surcharged", (y > 1).astype(np.float64), binary=True))
    return Book(P, columns, len(ids), {})


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
    old, new = gate_book(before, proxies), gate_book(after, proxies)
    with threadpool_limits(1, user_api="blas"):  # as in report.build_report
        fig_old, fig_new = outcome_figures(old, ref, full=False), outcome_figures(new, ref, full=False)
    flags_old, flags_new = flags_of(fig_old), flags_of(fig_new)
    changes = changes_of(flags_old, flags_new)
    return GateResult(len(new.P), fig_old, fig_new, flags_old, flags_new, changes, bool(changes), VINTAGE)
