"""Which telematics inputs a tenant may use: the one place feature permissions are applied."""

from __future__ import annotations

import numpy as np

from saas.quote.factors import FEATURE_GROUPS
from saas.quote.schemas import Telematics
from saas.scoring.model import RiskModel


def allowed_features(groups: tuple[str, ...]) -> frozenset[str]:
    """The model inputs the feature groups unlock; claims history is not telematics, always allowed."""
    return frozenset({name for group in groups for name in FEATURE_GROUPS.get(group, ())} | {"prior_claim_count"})


def model_row(telematics: Telematics, groups: tuple[str, ...], model: RiskModel) -> dict[str, float | None]:
    """Model inputs with features of groups the tenant may not use sent as missing (imputed).

    The one place feature permissions are applied, for quotes and for risk scores alike."""
    allowed = allowed_features(groups)
    return {name: (getattr(telematics, name) if name in allowed else None) for name in model.feature_names}


def permit_matrix(X: np.ndarray, groups: tuple[str, ...], model: RiskModel) -> np.ndarray:
    """``model_row`` for a matrix of many drivers of one state (monthly scoring): the columns the
    groups do not unlock become NaN, i.e. missing and imputed, exactly as a quote sends them."""
    allowed = allowed_features(groups)
    out = np.array(X, dtype=np.float64, copy=True)
    for col, name in enumerate(model.feature_names):
        if name not in allowed:
            out[:, col] = np.nan
    return out
