"""Population stability of the scored population against the training population.

The training distribution of each feature and of the score is stored as decile bins in
``meta.json``; PSI = Σ (actual − expected) · ln(actual / expected) over those bins. Missing values
are left out of a feature's PSI (they are imputed, and their share is reported on its own) so a
change in reporting coverage is not mistaken for a change in driving.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from msgspec import Struct

from ml.artifacts import Bins
from saas.scoring.model import RiskModel

FLOOR = 1e-4
"""Share given to an empty bin so an unseen bin costs a large but finite PSI instead of infinity."""
STABLE, MODERATE = 0.10, 0.25
"""The usual reading of PSI: below 0.10 stable, up to 0.25 a moderate shift, above a significant one."""

Status = Literal["stable", "moderate", "significant", "no-data"]


class VariableDrift(Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    psi: float
    status: Status
    missing_share: float


class DriftReport(Struct, forbid_unknown_fields=True, frozen=True):
    model_version: str
    rows: int
    score: VariableDrift
    features: list[VariableDrift]

    @property
    def worst(self) -> VariableDrift:
        return max([self.score, *self.features], key=lambda v: v.psi)


def psi(expected_bins: Bins, actual_values: np.ndarray) -> float:
    values = np.asarray(actual_values, dtype=np.float64)
    values = values[np.isfinite(values)]
    expected = np.maximum(np.asarray(expected_bins.fractions, dtype=np.float64), FLOOR)
    if len(values) == 0:
        return 0.0
    counts = np.bincount(np.searchsorted(expected_bins.edges, values, side="right"), minlength=len(expected))
    actual = np.maximum(counts / len(values), FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def status(value: float, rows: int) -> Status:
    if rows == 0:
        return "no-data"
    return "stable" if value < STABLE else "moderate" if value < MODERATE else "significant"


def _variable(name: str, bins: Bins, values: np.ndarray) -> VariableDrift:
    present = int(np.isfinite(values).sum())
    missing = 1.0 - present / len(values) if len(values) else 0.0
    value = psi(bins, values)
    return VariableDrift(name=name, psi=value, status=status(value, present), missing_share=missing)


def drift_report(model: RiskModel, X: np.ndarray) -> DriftReport:
    """PSI of every feature (raw values, before imputation) and of the score for the rows ``X``."""
    X = np.asarray(X, dtype=np.float64)
    features = [_variable(name, model.meta.feature_bins[name], X[:, i]) for i, name in enumerate(model.feature_names)]
    scores = model.score(X) if len(X) else np.empty(0)
    return DriftReport(model_version=model.version, rows=len(X),
                       score=_variable("risk_score", model.meta.score_bins, scores), features=features)
