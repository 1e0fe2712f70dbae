"""Score → map → explain: the one pipeline every use of the shared model goes through.

Quotes, partner risk scores and the monthly scoring jobs all turn feature rows into a tenant's
multipliers, tiers and explanations. Written once here, they cannot drift apart (the spread a
mapping used, which features a tenant may use, how contributions are computed): each caller passes
the tenant's pricing and the spread override it was given, and gets the spread back to pin.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from saas.scoring.explain import Explanation, explain_rows
from saas.scoring.features import FeatureSet
from saas.scoring.mapping import ScoreMapping, effective_spread
from saas.scoring.mapping_batch import MappedScores, map_scores_columns
from saas.scoring.masked import view
from saas.scoring.model import RiskModel
from saas.scoring.protocol import ScoringModel
from saas.tenancy.schemas import Pricing


@dataclass(frozen=True)
class ScoredRows:
    """The model's view of a batch: one score call, one mapping pass, at most one contributions call.

    Explanation objects are built per row on demand (``explanation``), from the contribution
    matrix, so a 10,000-row batch never holds 10,000 of them at once."""

    model: ScoringModel
    X: np.ndarray
    risks: np.ndarray
    mapped: MappedScores
    """The mappings as exact columns (monthly scoring writes these without a per-row object)."""
    contributions: np.ndarray | None
    spread: Decimal
    """The target spread the mappings used (tenant's, or the override): pinned for replay."""
    excluded: Mapping[str, str] = field(default_factory=dict)
    """Inputs marginalised out, with why: the explanation says so instead of "not reported"."""

    def __len__(self) -> int:
        return len(self.risks)

    @functools.cached_property
    def mappings(self) -> list[ScoreMapping]:
        """Row by row (quotes and partner risk scores): equal to ``map_scores`` of the same risks."""
        return self.mapped.mappings()

    def explanation(self, row: int) -> Explanation | None:
        """The row's explanation if the batch computed contributions, else None."""
        return None if self.contributions is None else self.explanation_of(row)

    def explanation_of(self, row: int) -> Explanation:
        """One row's explanation whether or not the batch computed contributions: from the matrix if
        it did, else one contributions call for this row alone (a notice needs the adverse few)."""
        contributions = (self.contributions[row:row + 1] if self.contributions is not None
                         else self.model.contributions(self.X[row:row + 1]))
        (explained,) = explain_rows(self.model, self.X[row:row + 1], self.risks[row:row + 1], contributions,
                                    excluded=self.excluded)
        return explained

    def explanations(self) -> list[Explanation | None]:
        if self.contributions is None:
            return [None] * len(self)
        return list(explain_rows(self.model, self.X, self.risks, self.contributions, excluded=self.excluded))


def score_rows(model: RiskModel, pricing: Pricing, rows: Sequence[Mapping[str, float | None]], *,
               explain: bool, spread_override: Decimal | None = None,
               features: FeatureSet | None = None) -> ScoredRows:
    """Score feature rows (``features.model_row``) under one tenant's pricing and one feature set:
    inputs the set does not allow are marginalised out of the model, not imputed."""
    return score_matrix(model, pricing, model.prepare(rows), explain=explain, spread_override=spread_override,
                        features=features)


def score_matrix(model: RiskModel, pricing: Pricing, X: np.ndarray, *, explain: bool,
                 spread_override: Decimal | None = None, features: FeatureSet | None = None,
                 timings: dict[str, float] | None = None) -> ScoredRows:
    """``score_rows`` for a matrix already in model order (``features.permit_matrix`` applied), as
    monthly scoring builds it from SQL; ``timings`` accumulates seconds per step for run reports."""
    spread = effective_spread(pricing, spread_override)
    scoring = view(model, features.mask(model) if features is not None else None)
    excluded = {k: v for k, v in (features.excluded if features else {}).items() if k in model.feature_names}
    if not len(X):
        return ScoredRows(scoring, X, np.zeros(0), map_scores_columns(np.zeros(0), pricing, scoring,
                                                                      spread_override=spread), None, spread, excluded)
    clock = _Clock(timings)
    risks = scoring.score(X)
    clock.lap("predict")
    mapped = map_scores_columns(risks, pricing, scoring, spread_override=spread)
    clock.lap("map")
    contributions = scoring.contributions(X) if explain else None
    clock.lap("explain")
    return ScoredRows(scoring, X, risks, mapped, contributions, spread, excluded)


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now
