"""A fairness report from a book of outcomes: the figures per outcome and group, the controlled
regressions, the drivers of each gap, the flags and where the numbers come from. Pure: the service
loads the book (``saas.fairness.books``) and stores what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from threadpoolctl import threadpool_limits

from saas.fairness import regression, stats
from saas.fairness.census import GROUPS, LABELS, VINTAGE
from saas.fairness.drivers import ScoredBook, drivers_of_gaps
from saas.fairness.schemas import (
    Flag,
    GroupFigures,
    MonthFigures,
    OutcomeFigures,
    Provenance,
    RegressionFigures,
    ReportBody,
)

GAP_THRESHOLD = 0.05
"""A gap of 5 % (or 5 percentage points for a rate) in the adverse direction, with p < 0.05, is flagged."""
P_THRESHOLD = 0.05
AIR_THRESHOLD = 0.80
"""The EEOC four-fifths screen (29 CFR 1607.4(D)); a screen, not a safe harbour in insurance."""
REGRESSED = frozenset({"multiplier", "premium"})
"""Outcomes the log-linear regressions are fitted for: the prices (tier ranks are ordinal, safety
scores can be 0, and each HC3 fit over 100,000 drivers costs about half a second)."""
WEIGHTING = "probability-weighted (p_ig as weights; understates disparity, Chen et al. 2019)"


@dataclass(frozen=True)
class Outcome:
    name: str
    values: np.ndarray
    binary: bool = False
    adverse_when: Literal["higher", "lower"] = "higher"


@dataclass(frozen=True)
class Book:
    """The drivers (or quotes) of one scope that have a proxy, with their outcomes and controls."""

    P: np.ndarray
    outcomes: list[Outcome]
    in_scope: int
    """Drivers in the scope with or without a proxy (coverage = len(P) / in_scope)."""
    methods: dict[str, int]
    rating_factors: dict[str, np.ndarray] = field(default_factory=dict)
    telematics: dict[str, np.ndarray] = field(default_factory=dict)
    scored: ScoredBook | None = None
    model_version: str | None = None


def outcome_figures(book: Book, ref: int, *, full: bool) -> list[OutcomeFigures]:
    """Every outcome, every group against ``ref``; ``full`` adds bootstrap intervals and regressions."""
    Y = np.column_stack([o.values for o in book.outcomes]).astype(np.float64)
    moments = stats.Moments.of(book.P, Y)
    boot = stats.bootstrap(book.P, Y) if full else []
    out = []
    for k, outcome in enumerate(book.outcomes):
        groups = [stats.group_figures(moments, boot, k, g, ref, GROUPS[g], binary=outcome.binary)
                  for g in range(len(GROUPS)) if g != ref]
        fits = _regressions(book, ref, outcome, groups) if full else []
        out.append(OutcomeFigures(outcome.name, outcome.adverse_when, float(moments.mean[ref, k]), groups, fits))
    return out


def _regressions(book: Book, ref: int, outcome: Outcome, groups: list[GroupFigures]) -> list[RegressionFigures]:
    if outcome.name not in REGRESSED or not np.all(outcome.values > 0) or all(g.too_small for g in groups):
        return []
    sets = {"none": {}, "rating_factors": book.rating_factors,
            "rating_and_telematics": {**book.rating_factors, **book.telematics}}
    fits = []
    for label in regression.CONTROL_SETS:
        controls = regression.control_matrix(sets[label]) if sets[label] else np.zeros((len(book.P), 0))
        fits += [f for f in regression.regress(outcome.values, book.P, list(GROUPS), ref, controls, label)
                 if not next(g for g in groups if g.group == f.group).too_small]
    return fits


def flags_of(outcomes: list[OutcomeFigures]) -> list[Flag]:
    """Adverse gaps of 5 % (rates: 5 points) with p < 0.05, and adverse impact ratios below 0.80."""
    flags = []
    for outcome in outcomes:
        sign = 1.0 if outcome.adverse_when == "higher" else -1.0
        for g in outcome.groups:
            label = LABELS[g.group]
            if g.rate_difference is not None and g.p_z is not None:
                if g.rate_difference * sign >= GAP_THRESHOLD and g.p_z < P_THRESHOLD:
                    flags.append(Flag(outcome.outcome, g.group, "gap", g.rate_difference, g.p_z,
                                      f"{label}: {outcome.outcome} rate {100 * g.rate_difference:+.1f} points "
                                      f"against the reference (p = {g.p_z:.2g})"))
            elif g.ratio is not None and g.p_t is not None and (g.ratio - 1) * sign >= GAP_THRESHOLD \
                    and g.p_t < P_THRESHOLD:
                flags.append(Flag(outcome.outcome, g.group, "gap", g.ratio - 1, g.p_t,
                                  f"{label}: mean {outcome.outcome} {100 * (g.ratio - 1):+.1f} % against the "
                                  f"reference (p = {g.p_t:.2g})"))
            if g.air is not None and g.air < AIR_THRESHOLD:
                flags.append(Flag(outcome.outcome, g.group, "air", g.air, g.p_z,
                                  f"{label}: adverse impact ratio {g.air:.2f} on not being {outcome.outcome}"))
    return flags


def provenance(book: Book) -> Provenance:
    return Provenance(book.in_scope, len(book.P), len(book.P) / book.in_scope if book.in_scope else 0.0,
                      dict(sorted(book.methods.items())), VINTAGE, WEIGHTING,
                      f"{stats.BOOTSTRAP_REPLICATES} resamples of drivers, seed {stats.BOOTSTRAP_SEED}, percentile "
                      "95 % intervals", book.model_version)


def build_report(book: Book, scope: str, reference: str, months: list[tuple[str, Book]]) -> ReportBody:
    """One BLAS thread: the products here are thin (100,000 × 60), and on a busy two-core machine two
    BLAS threads made the bootstrap and the HC3 fits four to five times slower, not faster."""
    with threadpool_limits(1, user_api="blas"):
        return _build(book, scope, reference, months)


def _build(book: Book, scope: str, reference: str, months: list[tuple[str, Book]]) -> ReportBody:
    ref = GROUPS.index(reference)
    outcomes = outcome_figures(book, ref, full=True)
    compared = [GROUPS.index(g.group) for g in outcomes[0].groups if not g.too_small] if outcomes else []
    drivers = drivers_of_gaps(book.scored, book.P, list(GROUPS), ref, compared) \
        if book.scored is not None and compared else []
    trend = []
    for period, month in months:
        figures = outcome_figures(month, ref, full=False)
        trend.append(MonthFigures(period, len(month.P), figures, flags_of(figures)))
    return ReportBody(scope, reference, provenance(book), outcomes, flags_of(outcomes), drivers, trend)
