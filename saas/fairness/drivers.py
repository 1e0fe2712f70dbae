"""Which model inputs a disparity comes from, read from the model itself.

Two views of the same question, both on the shared model as each driver was scored (the state's
feature set applied, ``saas.scoring.features``):

- **exact contributions**: TreeSHAP values add up to the risk score, so the gap between a group's
  and the reference's mean score is exactly the sum over inputs of their mean-contribution gaps;
  each input's gap is reported in risk-score points and as its share of the whole;
- **marginalised out**: the model with that input marginalised out (``saas.scoring.masked`` views:
  the path-dependent expectation over it, not an imputation), mapped to multipliers again, gives
  the gap the group would have without that input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from saas.fairness.schemas import DriverOfGap
from saas.scoring.features import feature_set
from saas.scoring.mapping_batch import map_scores_columns
from saas.scoring.masked import view
from saas.scoring.model import RiskModel
from saas.tenancy.schemas import TenantConfig


@dataclass(frozen=True)
class ScoredBook:
    """Model inputs as scored (``driver_scores.features``), one row per driver, and their states."""

    X: np.ndarray
    states: np.ndarray
    model: RiskModel
    config: TenantConfig


def _by_state(book: ScoredBook) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    for state in sorted(set(book.states.tolist())):
        yield np.flatnonzero(book.states == state), feature_set(book.config, str(state)).mask(book.model)


def contributions(book: ScoredBook) -> tuple[np.ndarray, np.ndarray]:
    """(risk scores, n × f contributions) with each state's feature set."""
    n, f = book.X.shape
    risk, phi = np.zeros(n), np.zeros((n, f))
    for index, mask in _by_state(book):
        scoring = view(book.model, mask)
        phi[index] = scoring.contributions(book.X[index])[:, :f]
        risk[index] = scoring.score(book.X[index])
    return risk, phi


def multipliers_without(book: ScoredBook, feature: int | None) -> np.ndarray:
    """Each driver's multiplier with ``feature`` also marginalised out (None: as scored)."""
    out = np.zeros(len(book.X))
    for index, mask in _by_state(book):
        allowed = mask.copy()
        if feature is not None:
            allowed[feature] = False
        scoring = view(book.model, allowed)
        mapped = map_scores_columns(scoring.score(book.X[index]), book.config.pricing, scoring)
        out[index] = mapped.multiplier_micros / 1e6
    return out


def weighted_mean(P: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (P.T @ y) / P.sum(axis=0)


def drivers_of_gaps(book: ScoredBook, P: np.ndarray, groups: list[str], ref: int,
                    compared: list[int]) -> list[DriverOfGap]:
    """For each compared group and model input: contribution gap, share, gap without the input."""
    risk, phi = contributions(book)
    risk_gap = weighted_mean(P, risk) - weighted_mean(P, risk)[ref]
    phi_means = (P.T @ phi) / P.sum(axis=0)[:, None]
    base = weighted_mean(P, multipliers_without(book, None))
    out = []
    for j, name in enumerate(book.model.feature_names):
        without = weighted_mean(P, multipliers_without(book, j)) if np.ptp(phi[:, j]) > 0 else base
        for g in compared:
            gap = float(phi_means[g, j] - phi_means[ref, j])
            share = float(gap / risk_gap[g]) if abs(risk_gap[g]) > 1e-12 else None
            as_scored, masked = base[g] / base[ref] - 1, without[g] / without[ref] - 1
            out.append(DriverOfGap(groups[g], name, gap, share, float(masked), float(masked - as_scored)))
    return sorted(out, key=lambda d: (d.group, -abs(d.contribution_gap)))
