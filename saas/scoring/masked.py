"""The shared model as one feature set sees it: disallowed inputs marginalised out, not imputed.

A tenant or a state may forbid some telematics inputs. Imputing them to the training median still
let them move the score (and earned them a "was not reported" line in the explanation); instead a
view over the model's own trees takes the path-dependent expectation over every disallowed input
(``saas.scoring.treeshap``): the score cannot depend on it, its contribution is exactly 0.

The tenant mapping reads the model's distribution (p5, p95, percentiles) to place a score; for a
view those are recomputed the same way, from the marginalised scores of a reference population
drawn from the model's own generator, so "top 20 % safest" is relative to drivers scored alike.
A model whose inputs are not the generator's keeps its training distribution (documented).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from saas.scoring.model import BATCH_ROWS, RiskModel, percentile_in
from saas.scoring.treeshap import TreeEnsemble

REFERENCE_ROWS = 20_000
REFERENCE_SEED = 7
CONTRIBUTIONS_ENV = "SAAS_CONTRIBUTIONS"
"""``xgboost`` computes contributions with xgboost's ``pred_contribs`` (for benchmarks); default: our own."""
_ENSEMBLES: dict[str, TreeEnsemble] = {}
_VIEWS: dict[tuple[str, bytes], ScoringView] = {}
_LOCK = threading.Lock()


def ensemble_of(model: RiskModel) -> TreeEnsemble:
    with _LOCK:
        found = _ENSEMBLES.get(model.version)
    if found is None:
        found = TreeEnsemble.from_booster(model.booster)
        with _LOCK:
            _ENSEMBLES[model.version] = found
    return found


class ScoringView:
    """Quacks like ``RiskModel`` for scoring, explaining and mapping (``saas.scoring.mapping``)."""

    def __init__(self, model: RiskModel, allowed: np.ndarray | None) -> None:
        self.model, self.ensemble = model, ensemble_of(model)
        full = allowed is None or bool(np.all(allowed))
        self.allowed = None if full else np.asarray(allowed, dtype=np.bool_)
        self.version, self.feature_names, self.objective = model.version, model.feature_names, model.objective
        self.baseline = model.baseline
        self.p5, self.p50, self.p95 = model.p5, model.p50, model.p95
        self._quantiles: np.ndarray | None = None
        if self.allowed is not None:
            self._restate_distribution()

    def prepare(self, rows: Sequence[Mapping[str, float | None]]) -> np.ndarray:
        return self.model.prepare(rows)

    def score(self, X: np.ndarray) -> np.ndarray:
        if self.allowed is None and len(X) >= BATCH_ROWS:  # xgboost's batch path is faster; same values
            return self.model.score(X)
        return self.ensemble.predict(self.model.transform(X), self.allowed)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        if self.allowed is None and os.environ.get(CONTRIBUTIONS_ENV) == "xgboost":
            return self.model.contributions(X)
        return self.ensemble.contributions(self.model.transform(X), self.allowed)

    def percentile(self, risk: float | np.ndarray) -> float | np.ndarray:
        if self._quantiles is None:
            return self.model.percentile(risk)
        return percentile_in(self._quantiles, risk)

    def _restate_distribution(self) -> None:
        reference = reference_population(self.model)
        if reference is None:
            return
        scores = self.score(reference)
        self.p5, self.p50, self.p95 = (float(v) for v in np.percentile(scores, [5, 50, 95]))
        self._quantiles = np.quantile(scores, np.linspace(0.0, 1.0, len(self.model.meta.quantiles)))


def reference_population(model: RiskModel) -> np.ndarray | None:
    """Raw inputs drawn from the model's generator, when the model's inputs are the generator's."""
    from ml.synth import FEATURE_COLUMNS

    if tuple(model.feature_names) != tuple(FEATURE_COLUMNS):
        return None
    return _generated()


@functools.cache
def _generated() -> np.ndarray:
    """One reference population per process (the generator is deterministic for a seed)."""
    from ml.synth import FEATURE_COLUMNS, synthesize

    return synthesize(REFERENCE_ROWS, seed=REFERENCE_SEED)[list(FEATURE_COLUMNS)].to_numpy(np.float64)


def view(model: RiskModel, allowed: np.ndarray | None = None) -> ScoringView:
    """The (cached) view of ``model`` for one allowed-feature mask."""
    key = (model.version, b"" if allowed is None or bool(np.all(allowed)) else np.asarray(allowed, bool).tobytes())
    with _LOCK:
        found = _VIEWS.get(key)
    if found is None:
        found = ScoringView(model, allowed)
        with _LOCK:
            _VIEWS[key] = found
    return found
