"""Judging claim-cost predictions on held-out policies: deviance, Gini and actual / expected.

Shared by the frequency path (counts against predicted frequency × exposure) and the pure premium
report (claim amounts against predicted pure premium × exposure): the ordering metrics only need
what was observed, what was predicted per unit of exposure, and the exposure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from msgspec import Struct

from ml.fremtpl import poisson_deviance


class ModelReport(Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    deviance: float
    """Mean Poisson deviance of predicted counts over policies, unweighted (the Noll et al. metric)."""
    gini: float
    """Exposure-weighted Gini of the frequency ordering, divided by the Gini of a perfect ordering."""
    actual_to_expected: list[float | None]
    """Actual / expected claims in ten bins of predicted frequency holding equal exposure."""


def _tie_groups(frequency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct predictions and each row's group: rows with equal predictions cannot be
    ordered, so they are kept together (a constant model has one group and no ordering at all)."""
    return np.unique(frequency, return_inverse=True)


def normalised_gini(counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray) -> float:
    """Lorenz curve of claims against exposure ordered by predicted frequency (safest first), ties
    as one straight segment; divided by the Gini of ordering by the observed frequency."""

    def gini(order_by: np.ndarray) -> float:
        _, group = _tie_groups(order_by)
        cum_exposure = np.concatenate([[0.0], np.cumsum(np.bincount(group, weights=exposure))]) / exposure.sum()
        cum_claims = np.concatenate([[0.0], np.cumsum(np.bincount(group, weights=counts))]) / counts.sum()
        return round(float(1 - 2 * np.trapezoid(cum_claims, cum_exposure)), 12) + 0.0  # no -0.0 in reports

    perfect = gini(counts / exposure)
    return gini(frequency) / perfect if perfect else 0.0


def ae_by_decile(counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray,
                 bins: int = 10) -> list[float | None]:
    """Actual / expected claims per tenth of exposure by predicted frequency; tied predictions go
    to the bin of their group's middle, so a bin can be empty (None)."""
    _, group = _tie_groups(frequency)
    group_exposure = np.bincount(group, weights=exposure)
    middle = (np.cumsum(group_exposure) - group_exposure / 2) / exposure.sum()
    decile = np.minimum((middle * bins).astype(int), bins - 1)[group]
    expected = np.bincount(decile, weights=frequency * exposure, minlength=bins)
    actual = np.bincount(decile, weights=counts, minlength=bins)
    return [round(float(a / e), 4) if e > 0 else None for a, e in zip(actual, expected, strict=True)]


def evaluate(name: str, counts: np.ndarray, frequency: np.ndarray, exposure: np.ndarray) -> ModelReport:
    return ModelReport(name=name, deviance=poisson_deviance(counts, frequency * exposure),
                       gini=normalised_gini(counts, frequency, exposure),
                       actual_to_expected=ae_by_decile(counts, frequency, exposure))


def compare(counts: np.ndarray, exposure: np.ndarray, predictions: Mapping[str, np.ndarray],
            log: Callable[[str], None] = print) -> list[ModelReport]:
    """Report every named frequency prediction on the same rows, printed side by side."""
    reports = [evaluate(name, counts, freq, exposure) for name, freq in predictions.items()]
    for r in reports:
        log(f"  {r.name:<28} deviance {r.deviance:.6f} (x100 {100 * r.deviance:.5f})  gini {r.gini:.4f}  "
            f"A/E {r.actual_to_expected}")
    return reports
