"""The Bayes predictor of the v3 synthetic generator: the lowest squared error any model of the seven
inputs can reach, computed from the generator's own distributions rather than estimated.

A model sees the features but not the archetype, the noise or the period. Under squared loss the best
prediction is E[y | x] = Σ_k P(k | x) · E_{ε, p}[clip(base_k + sigmoid(core(x) + ε − 0.9)·season(p))]:
the posterior over archetypes follows from the shares and each archetype's feature law (gamma,
clipped normal, Poisson prior claims, taken exactly as ``ml.synth`` draws them, clipping atoms
included); the period is uniform over the months; ε is N(0, 0.07²), integrated by Gauss–Legendre
quadrature on ±8σ, split at the 0.99 clip so the integrand stays smooth. ``noise_free_risk``, by
contrast, knows the archetype and the period: an oracle, not a floor.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import special, stats

from ml.synth import ARCHETYPES, NOISE_SIGMA, RISK_BOUNDS, SIGMOID_CENTRE, Archetype, linear_risk, seasonal_factor

NODES, WIDTH = 48, 8.0
"""Quadrature nodes and the half-width of the noise range in σ (mass outside: 1e-15)."""


def _clipped_normal_logpdf(x: np.ndarray, mean: float, sd: float, low: float, high: float | None) -> np.ndarray:
    """``clip(N(mean, sd), low, high)``: density inside, the clipped tail's mass at each bound."""
    inside = stats.norm.logpdf(x, mean, sd)
    at_low = np.where(x <= low, stats.norm.logcdf(low, mean, sd), inside)
    return at_low if high is None else np.where(x >= high, stats.norm.logsf(high, mean, sd), at_low)


def _log_likelihood(arch: Archetype, f: Mapping[str, np.ndarray]) -> np.ndarray:
    """log p(x | archetype) for the draws of ``ml.synth._draw_features`` (independent given the archetype)."""
    late = f["late_night_miles_per_100mi"]
    return np.asarray(
        stats.gamma.logpdf(f["hard_braking_events_per_100mi"], arch.braking[0], scale=arch.braking[1])
        + stats.gamma.logpdf(f["aggressive_turning_events_per_100mi"], arch.turning[0], scale=arch.turning[1])
        + _clipped_normal_logpdf(f["tailgating_time_ratio"], *arch.tailgating, 0.0, 1.0)
        + stats.gamma.logpdf(f["speeding_minutes_per_100mi"], arch.speeding[0], scale=arch.speeding[1])
        + np.where(late >= 100.0, stats.gamma.logsf(100.0, arch.late_night[0], scale=arch.late_night[1]),
                   stats.gamma.logpdf(late, arch.late_night[0], scale=arch.late_night[1]))
        + _clipped_normal_logpdf(f["miles"], *arch.miles, 50.0, None)
        + stats.poisson.logpmf(f["prior_claim_count"], arch.base_risk))


def posterior(features: Mapping[str, np.ndarray]) -> np.ndarray:
    """P(archetype | inputs), shape (n, archetypes), rows summing to 1."""
    f = {name: np.asarray(features[name], dtype=np.float64) for name in features}
    log_joint = np.column_stack([np.log(a.share) + _log_likelihood(a, f) for a in ARCHETYPES])
    return np.asarray(np.exp(log_joint - special.logsumexp(log_joint, axis=1, keepdims=True)))


def expected_risk(base: float, core: np.ndarray, season: float) -> np.ndarray:
    """E_ε[clip(base + sigmoid(core + ε − 0.9)·season, 0.01, 0.99)] for each core value.

    The risk rises with ε, so the clip only starts at one known ε; the quadrature runs below it and
    the clipped tail contributes its bound times its probability."""
    low, high = RISK_BOUNDS
    sigma = NOISE_SIGMA
    with np.errstate(divide="ignore"):
        kink = special.logit(np.clip((high - base) / season, 0.0, 1.0)) - core + SIGMOID_CENTRE
    a, b = -WIDTH * sigma, np.clip(kink, -WIDTH * sigma, WIDTH * sigma)
    nodes, weights = np.polynomial.legendre.leggauss(NODES)
    half = (b - a)[:, None] / 2
    eps = a + half * (nodes + 1)
    risk = np.clip(base + special.expit(core[:, None] + eps - SIGMOID_CENTRE) * season, low, high)
    body = (half * weights * risk * stats.norm.pdf(eps, 0.0, sigma)).sum(axis=1)
    below = np.clip(base + special.expit(core + a - SIGMOID_CENTRE) * season, low, high) * special.ndtr(a / sigma)
    return np.asarray(body + below + high * special.ndtr(-b / sigma))


def bayes_risk(features: Mapping[str, np.ndarray], periods: int = 12) -> np.ndarray:
    """E[target_risk | inputs]: the Bayes predictor under squared loss (periods uniform, as drawn)."""
    core = linear_risk(features)
    post = posterior(features)
    seasons = seasonal_factor(np.arange(periods))
    given_archetype = [np.mean([expected_risk(a.base_risk, core, float(s)) for s in seasons], axis=0)
                       for a in ARCHETYPES]
    return np.asarray((post * np.column_stack(given_archetype)).sum(axis=1))
