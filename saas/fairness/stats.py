"""Disparity figures of one outcome, group against reference, with probabilistic group membership.

With p_ig the probability driver i is in group g: n_g = Σ_i p_ig, μ_g = Σ_i p_ig·y_i / n_g, and the
variance with reliability weights s_g² = Σ p_ig (y_i − μ_g)² / (n_g − Σ p_ig² / n_g). The tests use
Kish's effective size n_eff = n_g² / Σ p_ig² (the weighted mean's variance is s_g² / n_eff); a group
is too small to compare when either n_g or n_eff is under 30 (Kish's alone is scale-free: 300 drivers
each 0.1 % likely in a group have n_eff 300 but n_g 0.3). The tests treat groups as independent
samples, which soft membership makes approximately true only; the figures are probability-weighted,
which tends to understate a disparity (Chen et al., FAT* 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from saas.fairness.schemas import MIN_EFFECTIVE_N, GroupFigures

BOOTSTRAP_REPLICATES = 200
BOOTSTRAP_SEED = 18
BLOCK = 25
"""Resamples per matrix product (25 × 100,000 counts: 20 MB)."""


@dataclass(frozen=True)
class Moments:
    """Per group (columns of P): n, n_eff, mean and variance of each outcome (columns of Y)."""

    n: np.ndarray
    n_eff: np.ndarray
    mean: np.ndarray
    var: np.ndarray

    @classmethod
    def of(cls, P: np.ndarray, Y: np.ndarray) -> Moments:
        return _moments(P.sum(axis=0), (P * P).sum(axis=0), np.stack([P.T @ Y, P.T @ (Y * Y)]))


def welch(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float) -> tuple[float, float, float]:
    """Welch's t, its Welch–Satterthwaite degrees of freedom and the two-sided p."""
    a, b = v1 / n1, v2 / n2
    if a + b <= 0:
        return 0.0, float(n1 + n2 - 2), 1.0
    t = (m1 - m2) / np.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    return float(t), float(df), float(2 * sps.t.sf(abs(t), df))


def two_proportion_z(a1: float, n1: float, a2: float, n2: float) -> tuple[float, float]:
    """The pooled two-proportion z-test and its two-sided p."""
    pooled = (a1 * n1 + a2 * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se <= 0:
        return 0.0, 1.0
    z = (a1 - a2) / se
    return float(z), float(2 * sps.norm.sf(abs(z)))


def smd(m1: float, v1: float, m2: float, v2: float) -> float | None:
    scale = np.sqrt((v1 + v2) / 2)
    return float((m1 - m2) / scale) if scale > 0 else None


def air(a1: float, a2: float) -> float | None:
    """Adverse impact ratio: favourable-outcome rate of the group over the reference's."""
    return float((1 - a1) / (1 - a2)) if a2 < 1 else None


def odds_ratio(a1: float, a2: float) -> float | None:
    if a1 in (0.0, 1.0) or a2 in (0.0, 1.0):
        return None
    return float((a1 / (1 - a1)) / (a2 / (1 - a2)))


def bootstrap(P: np.ndarray, Y: np.ndarray, replicates: int = BOOTSTRAP_REPLICATES,
              seed: int = BOOTSTRAP_SEED) -> list[Moments]:
    """The moments of ``replicates`` resamples of the drivers (with replacement), seeded.

    A resample is a count per driver (how often it was drawn); every moment is a sum over drivers
    linear in those counts, so a block of resamples is one matrix product with the per-driver terms
    (p, p², p·y, p·y²) instead of copying 100,000 rows per resample."""
    rng = np.random.default_rng(seed)
    n, groups, outcomes = len(P), P.shape[1], Y.shape[1]
    terms = np.hstack([P, P * P, *(P * Y[:, [k]] for k in range(outcomes)),
                       *(P * (Y[:, [k]] ** 2) for k in range(outcomes))])
    out: list[Moments] = []
    for start in range(0, replicates, BLOCK):
        counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
                           for _ in range(min(BLOCK, replicates - start))])
        for sums in counts @ terms:
            out.append(_moments(sums[:groups], sums[groups:2 * groups],
                                sums[2 * groups:].reshape(2, outcomes, groups).transpose(0, 2, 1)))
    return out


def _moments(n: np.ndarray, n2: np.ndarray, sums: np.ndarray) -> Moments:
    """Moments from Σ p, Σ p², and Σ p·y, Σ p·y² (2 × groups × outcomes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, second = sums[0] / n[:, None], sums[1] / n[:, None]
        var = np.maximum(second - mean * mean, 0.0) * (n / (n - n2 / n))[:, None]
        n_eff = np.where(n2 > 0, n * n / n2, 0.0)
    return Moments(n, n_eff, mean, var)


def interval(values: list[float | None]) -> tuple[float, float] | None:
    finite = np.array([v for v in values if v is not None and np.isfinite(v)])
    if len(finite) < 0.9 * len(values) or not len(finite):
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def group_figures(m: Moments, boot: list[Moments], k: int, g: int, ref: int, group: str, *,
                  binary: bool) -> GroupFigures:
    """Group ``g`` against ``ref`` on outcome column ``k``."""
    base = GroupFigures(group, float(m.n[g]), float(m.n_eff[g]), float(m.mean[g, k]))
    if min(m.n[g], m.n_eff[g], m.n[ref], m.n_eff[ref]) < MIN_EFFECTIVE_N:
        return GroupFigures(group, base.n, base.n_effective, base.mean, too_small=True)
    mg, mr, vg, vr = m.mean[g, k], m.mean[ref, k], m.var[g, k], m.var[ref, k]
    t, df, p_t = welch(mg, vg, m.n_eff[g], mr, vr, m.n_eff[ref])
    fields: dict[str, object] = dict(
        ratio=float(mg / mr) if mr else None, smd=smd(mg, vg, mr, vr), t=t, df=df, p_t=p_t,
        ratio_ci=interval([float(b.mean[g, k] / b.mean[ref, k]) if b.mean[ref, k] else None for b in boot]),
        smd_ci=interval([smd(b.mean[g, k], b.var[g, k], b.mean[ref, k], b.var[ref, k]) for b in boot]))
    if binary:
        z, p_z = two_proportion_z(mg, m.n_eff[g], mr, m.n_eff[ref])
        fields |= dict(rate_difference=float(mg - mr), air=air(mg, mr), odds_ratio=odds_ratio(mg, mr), z=z, p_z=p_z,
                       rate_difference_ci=interval([float(b.mean[g, k] - b.mean[ref, k]) for b in boot]),
                       air_ci=interval([air(b.mean[g, k], b.mean[ref, k]) for b in boot]))
    return GroupFigures(group, base.n, base.n_effective, base.mean, **fields)  # type: ignore[arg-type]
