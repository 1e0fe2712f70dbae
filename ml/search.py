"""Hyperparameter search: the documented ranges and a small seeded random search over them.

The ranges are the model documentation's (``get_hyperparameter_search_space``, meant for a
SageMaker tuner); ``random_search`` samples them locally against any validation function, so the
same helper tunes the synthetic risk model on RMSE and the claim-frequency model on Poisson
deviance. The caller decides what data the validation function sees: it must never be test data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

Range = tuple[float, float]
INTEGER_PARAMS = frozenset({"max_depth"})
LOG_SCALE_PARAMS = frozenset({"eta", "min_child_weight"})
"""Sampled uniformly in log space: their effect is multiplicative."""


def get_hyperparameter_search_space() -> dict[str, Range]:
    """The documented ranges (seed 001, 'Hyperparameter Search Space Helper')."""
    return {
        "eta": (0.01, 0.3),
        "max_depth": (3, 9),
        "subsample": (0.5, 1.0),
        "colsample_bytree": (0.5, 1.0),
        "lambda": (0.5, 5.0),
        "alpha": (0.0, 2.0),
    }


@dataclass(frozen=True)
class Trial:
    params: dict[str, float | int]
    score: float


def sample_params(space: Mapping[str, Range], rng: np.random.Generator) -> dict[str, float | int]:
    params: dict[str, float | int] = {}
    for name, (low, high) in space.items():
        if name in INTEGER_PARAMS:
            params[name] = int(rng.integers(int(low), int(high) + 1))
        elif name in LOG_SCALE_PARAMS and low > 0:
            params[name] = round(float(math.exp(rng.uniform(math.log(low), math.log(high)))), 6)
        else:
            params[name] = round(float(rng.uniform(low, high)), 6)
    return params


def random_search(evaluate: Callable[[dict[str, float | int]], float], space: Mapping[str, Range], *,
                  trials: int, seed: int = 42, progress: Callable[[str], None] = print) -> list[Trial]:
    """Evaluate ``trials`` seeded random draws (lower score is better); best first."""
    rng = np.random.default_rng(seed)
    results = []
    for i in range(trials):
        params = sample_params(space, rng)
        score = evaluate(params)
        progress(f"  trial {i + 1}/{trials}: {score:.6f}  {params}")
        results.append(Trial(params=params, score=score))
    return sorted(results, key=lambda t: t.score)
