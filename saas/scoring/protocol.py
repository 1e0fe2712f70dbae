"""What scoring, mapping and explaining read of a model: a loaded ``RiskModel`` or a view of it
with some inputs marginalised out (``saas.scoring.masked.ScoringView``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np


class ScoringModel(Protocol):
    version: str
    objective: str
    baseline: float
    p5: float
    p95: float

    @property
    def feature_names(self) -> tuple[str, ...]: ...

    def prepare(self, rows: Sequence[Mapping[str, float | None]]) -> np.ndarray: ...

    def score(self, X: np.ndarray) -> np.ndarray: ...

    def contributions(self, X: np.ndarray) -> np.ndarray: ...

    def percentile(self, risk: float | np.ndarray) -> float | np.ndarray: ...
