"""Bühlmann–Straub credibility: how far to trust a driver's own rate against the tenant's cohort.

A month of 150 miles with one hard brake says little; a year of 12,000 miles says a lot. For one
rate feature, driver ``i`` has months ``j`` with rate ``X_ij`` and exposure ``m_ij`` (miles for
per-mile rates, driving seconds for the tailgating ratio). With ``m_i = Σ_j m_ij``,
``X̄_i = Σ_j m_ij X_ij / m_i``, ``m = Σ_i m_i``, ``X̄ = Σ_i m_i X̄_i / m`` over the ``r`` drivers with
exposure, the non-parametric (unbiased) estimators (Bühlmann & Gisler, *A Course in Credibility
Theory*, §4.8; Klugman et al., *Loss Models*, ch. 19) are

* expected process variance ``v̂ = Σ_i Σ_j m_ij (X_ij − X̄_i)² / Σ_i (n_i − 1)``,
* variance of hypothetical means ``â = (Σ_i m_i (X̄_i − X̄)² − v̂ (r − 1)) / (m − Σ_i m_i² / m)``,
* ``k = v̂ / â``, ``Z_i = m_i / (m_i + k)``, and the credibility-weighted mean
  ``μ̂ = Σ_i Z_i X̄_i / Σ_i Z_i``, which keeps ``Σ_i m_i · shrunk_i = Σ_i m_i X̄_i`` (balance).

``shrunk_i = Z_i X̄_i + (1 − Z_i) μ̂``. Scaling a rate (per mile or per 100 miles) scales ``v̂`` and
``â`` alike, so ``k`` and ``Z`` do not depend on the unit. Degenerate cohorts, named in ``note``:

* ``â ≤ 0``: no evidence that drivers differ beyond noise → ``Z = 0``, everyone gets ``μ̂ = X̄``.
* one driver with exposure: there is no cohort to learn from; ``Z = 0`` and ``μ̂`` is their own rate.
* no driver with two months of exposure (a tenant's first month): month-to-month noise cannot be
  measured, so rates are left as observed (``Z = 1``) rather than shrunk by an invented amount.
* a driver without exposure has no rate of their own: ``Z = 0``, shrunk to ``μ̂``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

ESTIMATED = "estimated"


@dataclass(frozen=True)
class Structure:
    """One feature's structural parameters in one tenant's cohort: ``epv`` = v̂, ``vhm`` = â,
    ``mean`` = μ̂ (the shrink target), ``drivers`` = r; ``note`` says which case applied."""

    epv: float
    vhm: float
    k: float
    mean: float
    drivers: int
    note: str


@dataclass(frozen=True)
class Shrunk:
    """Per driver (index = driver code): exposure, own rate (NaN without exposure), Z, shrunk rate."""

    structure: Structure
    exposure: np.ndarray
    rate: np.ndarray
    z: np.ndarray
    value: np.ndarray


def credibility(exposure: np.ndarray, k: float) -> np.ndarray:
    """``m / (m + k)``; 0 without exposure, 0 for ``k = ∞``, 1 for ``k = 0`` and any exposure."""
    m = np.asarray(exposure, dtype=np.float64)
    if math.isinf(k):
        return np.zeros_like(m)
    z = np.zeros_like(m)
    np.divide(m, m + k, out=z, where=m > 0)
    return z


def _refuse(bad: np.ndarray, message: str) -> None:
    if bad.any():
        raise ValueError(f"{message} (row {int(np.argmax(bad))})")


def _observations(driver: np.ndarray, value: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """Programming errors of the caller (a job), hence ``ValueError`` rather than a domain error."""
    driver, x, w = np.asarray(driver), np.asarray(value, dtype=np.float64), np.asarray(weight, dtype=np.float64)
    if not (driver.ndim == x.ndim == w.ndim == 1 and len(driver) == len(x) == len(w)):
        raise ValueError("driver, value and weight must be 1-D arrays of the same length")
    if driver.size and (not np.issubdtype(driver.dtype, np.integer) or driver.min() < 0):
        raise ValueError("driver must hold non-negative integer codes")
    _refuse(~(np.isfinite(w) & (w >= 0)), "weight must be finite and non-negative")
    used = w > 0
    _refuse(used & ~np.isfinite(x), "value must be finite where weight > 0")
    return driver, np.where(used, x, 0.0), w, used


def _structure(m_i: np.ndarray, rate: np.ndarray, within: float, dof: int) -> Structure:
    has = m_i > 0
    r, m = int(np.count_nonzero(has)), float(m_i.sum())
    if r == 0:
        return Structure(math.nan, math.nan, math.inf, math.nan, 0, "no driver has exposure")
    grand = float(np.sum(m_i[has] * rate[has]) / m)
    epv = within / dof if dof > 0 else math.nan
    if r == 1:
        return Structure(epv, math.nan, math.inf, grand, 1, "one driver: no cohort to shrink toward")
    if dof == 0:
        return Structure(epv, math.nan, 0.0, grand, r, "no repeat months: rates left as observed")
    between = float(np.sum(m_i[has] * (rate[has] - grand) ** 2))
    vhm = (between - epv * (r - 1)) / (m - float(np.sum(m_i**2)) / m)
    if vhm <= 0:
        return Structure(epv, vhm, math.inf, grand, r, "no heterogeneity beyond noise: full shrink")
    return Structure(epv, vhm, epv / vhm, grand, r, ESTIMATED)


def collective_mean(structure: Structure, z: np.ndarray, rate: np.ndarray) -> float:
    """``Σ Z_i X̄_i / Σ Z_i`` when ``k`` was estimated (it balances the totals); otherwise, or if no
    driver has credibility, the exposure-weighted mean ``X̄``."""
    if structure.note != ESTIMATED or z.sum() <= 0:
        return structure.mean
    return float(np.sum(z * np.nan_to_num(rate)) / z.sum())


def shrink(driver: np.ndarray, value: np.ndarray, weight: np.ndarray, drivers: int | None = None) -> Shrunk:
    """Observations are driver-months (``driver`` codes 0..drivers−1, e.g. ``np.unique(ids,
    return_inverse=True)``); months with zero weight carry no information and are ignored."""
    driver, x, w, used = _observations(driver, value, weight)
    size = max(drivers or 0, int(driver.max()) + 1 if driver.size else 0)
    m_i = np.bincount(driver, w, minlength=size)
    rate = np.full(size, np.nan)
    np.divide(np.bincount(driver, w * x, minlength=size), m_i, out=rate, where=m_i > 0)
    within = float(np.sum(w * (x - np.nan_to_num(rate)[driver]) ** 2))
    repeats = int(np.sum(np.maximum(np.bincount(driver, used, minlength=size) - 1, 0)))
    estimate = _structure(m_i, rate, within, repeats)
    z = credibility(m_i, estimate.k)
    structure = replace(estimate, mean=collective_mean(estimate, z, rate))
    shrunk = np.where(m_i > 0, z * np.nan_to_num(rate) + (1 - z) * structure.mean, structure.mean)
    return Shrunk(structure=structure, exposure=m_i, rate=rate, z=z, value=shrunk)
