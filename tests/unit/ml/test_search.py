"""The documented search space and the seeded random search over it."""

from __future__ import annotations

import pytest

from ml.search import get_hyperparameter_search_space, random_search, sample_params

pytestmark = pytest.mark.unit


def test_space_is_the_documented_one() -> None:
    assert get_hyperparameter_search_space() == {
        "eta": (0.01, 0.3), "max_depth": (3, 9), "subsample": (0.5, 1.0), "colsample_bytree": (0.5, 1.0),
        "lambda": (0.5, 5.0), "alpha": (0.0, 2.0)}


def test_random_search_is_seeded_within_ranges_and_sorted_best_first() -> None:
    space = get_hyperparameter_search_space()
    seen: list[dict[str, float | int]] = []

    def distance(params: dict[str, float | int]) -> float:
        return abs(float(params["eta"]) - 0.1) + abs(int(params["max_depth"]) - 5)

    def objective(params: dict[str, float | int]) -> float:
        seen.append(params)
        return distance(params)

    trials = random_search(objective, space, trials=20, seed=3, progress=lambda _: None)
    assert [t.score for t in trials] == sorted(t.score for t in trials)
    assert trials[0].score == min(distance(p) for p in seen)
    for params in seen:
        assert isinstance(params["max_depth"], int) and 3 <= params["max_depth"] <= 9
        for name, (low, high) in space.items():
            assert low <= params[name] <= high, name
    again = random_search(objective, space, trials=20, seed=3, progress=lambda _: None)
    assert [t.params for t in again] == [t.params for t in trials]
    assert len({p["eta"] for p in seen}) > 15


def test_log_scale_parameters_cover_their_decades() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    etas = [float(sample_params({"eta": (0.01, 0.3)}, rng)["eta"]) for _ in range(400)]
    below = sum(e < 0.055 for e in etas) / len(etas)  # 0.055 is the geometric midpoint of 0.01 and 0.3
    assert 0.4 < below < 0.6
