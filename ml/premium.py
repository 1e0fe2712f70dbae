"""Pure premium of a frequency and a severity model: expected claim cost per unit of exposure.

Pure premium = frequency (claims per unit of exposure, ``count:poisson``) × severity (amount per
claim, ``reg:gamma``), each scored by the serving code (``RiskModel``) exactly as a quote would be.
It is judged on held-out policies against what they really cost: the Gini of claim amounts ordered
by predicted pure premium over exposure (as for frequency, normalised by a perfect ordering), the
actual / expected amount in ten bins of equal exposure, and the overall actual / expected. The same
figures for frequency × the severity model's flat baseline show what the severity model adds.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
from msgspec import Struct

from ml.metrics import ae_by_decile, normalised_gini


class RiskModel(Protocol):
    """What the report needs of a served model (``saas.scoring.model.RiskModel``); ``ml`` does not
    import the application, so the serving model is passed in by the CLI."""

    def prepare_columns(self, columns: dict[str, np.ndarray], rows: int) -> np.ndarray: ...

    def score(self, X: np.ndarray) -> np.ndarray: ...


class PremiumReport(Struct, forbid_unknown_fields=True, frozen=True):
    policies: int
    exposure: float
    actual: float
    """Claim amounts of the policies."""
    expected: float
    """Σ pure premium × exposure."""
    gini: float
    actual_to_expected: list[float | None]


def score_table(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    """The serving prediction for every row of a table (missing columns: missing values)."""
    return model.score(model.prepare_columns({c: frame[c].to_numpy() for c in frame.columns}, len(frame)))


def pure_premium(frequency: RiskModel, severity: RiskModel | float, frame: pd.DataFrame) -> np.ndarray:
    """Frequency × severity per row; a number as severity is a flat amount per claim."""
    amount = severity if isinstance(severity, float) else score_table(severity, frame)
    return score_table(frequency, frame) * amount


def premium_report(frequency: RiskModel, severity: RiskModel | float, frame: pd.DataFrame, *, amount_column: str,
                   exposure_column: str) -> PremiumReport:
    premium = pure_premium(frequency, severity, frame)
    amount, exposure = frame[amount_column].to_numpy(np.float64), frame[exposure_column].to_numpy(np.float64)
    return PremiumReport(policies=len(frame), exposure=float(exposure.sum()), actual=float(amount.sum()),
                         expected=float((premium * exposure).sum()), gini=normalised_gini(amount, premium, exposure),
                         actual_to_expected=ae_by_decile(amount, premium, exposure))
