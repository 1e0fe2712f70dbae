"""The controlled comparison: log(outcome) = α + Σ_g β_g·p_ig + γ′X, by weighted least squares with
heteroskedasticity-robust (HC3) errors, three ways: no controls, the traditional rating factors, and
those plus the telematics inputs. The gap of group g is e^β_g − 1 against the reference group (whose
probability column is left out, since a driver's probabilities add up to 1).

The first model says whether outcomes differ; the second whether they still differ among drivers
alike on the traditional factors; the third what is left once the telematics inputs are held fixed
(near zero when the model itself explains the gap, and the ``drivers`` figures then say which input).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import statsmodels.api as sm

from saas.fairness.schemas import RegressionFigures

Controls = Literal["none", "rating_factors", "rating_and_telematics"]
CONTROL_SETS: tuple[Controls, ...] = ("none", "rating_factors", "rating_and_telematics")
COVARIANCE = "HC3"


def control_matrix(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Numeric controls; a column with gaps gets 0 there plus an indicator, a constant one is dropped."""
    out = []
    for values in columns.values():
        x = np.asarray(values, dtype=np.float64)
        missing = np.isnan(x)
        if missing.any():
            x = np.where(missing, 0.0, x)
            if 0 < missing.sum() < len(x):
                out.append(missing.astype(np.float64))
        if np.ptp(x) > 0:
            out.append(x)
    return np.column_stack(out) if out else np.zeros((len(next(iter(columns.values()), [])), 0))


def regress(y: np.ndarray, P: np.ndarray, groups: list[str], ref: int, controls: np.ndarray,
            label: Controls, weights: np.ndarray | None = None) -> list[RegressionFigures]:
    """One fit; figures for every group but the reference (y must be positive)."""
    others = [g for g in range(P.shape[1]) if g != ref]
    X = sm.add_constant(np.column_stack([P[:, others], controls]), has_constant="add")
    w = np.ones(len(y)) if weights is None else weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.WLS(np.log(y), X, weights=w).fit(cov_type=COVARIANCE)
    params, se, p, ci = fit.params, fit.bse, fit.pvalues, fit.conf_int()
    out = []
    for column, g in enumerate(others, start=1):
        if not np.isfinite(se[column]):
            continue
        out.append(RegressionFigures(groups[g], label, float(params[column]), float(se[column]), float(p[column]),
                                     float(np.expm1(params[column])), float(np.expm1(ci[column, 0])),
                                     float(np.expm1(ci[column, 1]))))
    return out
