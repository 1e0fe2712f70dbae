"""Which telematics inputs a tenant may use: the one place feature permissions are applied.

An input the tenant's feature groups (or the state's override of them) do not allow is
marginalised out of the model (``saas.scoring.masked``): the score cannot depend on it and the
explanation says why it was not used. ``model_row`` also blanks it, so nothing downstream can
read a value the tenant may not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from saas.quote.factors import FEATURE_GROUPS
from saas.quote.schemas import Telematics
from saas.scoring.protocol import ScoringModel
from saas.tenancy.schemas import TenantConfig

ALWAYS_ALLOWED = frozenset({"prior_claim_count"})


@dataclass(frozen=True)
class FeatureSet:
    """The model inputs one tenant may use in one state, and for each other input why not."""

    groups: tuple[str, ...]
    allowed: frozenset[str]
    excluded: dict[str, str] = field(default_factory=dict)

    def mask(self, model: ScoringModel) -> np.ndarray:
        return np.array([name in self.allowed for name in model.feature_names], dtype=np.bool_)


def feature_set(config: TenantConfig, state: str | None) -> FeatureSet:
    groups = tuple(config.features_enabled) if state is None else config.features_for(state)
    allowed = allowed_features(groups)
    tenant_wide = {name for group in config.features_enabled for name in FEATURE_GROUPS.get(group, ())}
    excluded = {}
    for names in FEATURE_GROUPS.values():
        for name in names:
            if name not in allowed:
                excluded[name] = (f"not used under {state} rules" if name in tenant_wide
                                  else f"not used under {config.id}'s features")
    return FeatureSet(groups, allowed, excluded)


def allowed_features(groups: tuple[str, ...]) -> frozenset[str]:
    """The model inputs the feature groups unlock; claims history is not telematics, always allowed."""
    return frozenset(name for group in groups for name in FEATURE_GROUPS.get(group, ())) | ALWAYS_ALLOWED


def model_row(telematics: Telematics, groups: tuple[str, ...], model: ScoringModel) -> dict[str, float | None]:
    """Model inputs with features of groups the tenant may not use sent as missing.

    The one place feature permissions are applied, for quotes and for risk scores alike."""
    allowed = allowed_features(groups)

    return {name: (getattr(telematics, name) if name in allowed else None) for name in model.feature_names}


def permit_matrix(X: np.ndarray, groups: tuple[str, ...], model: ScoringModel) -> np.ndarray:
    """``model_row`` for a matrix of many drivers of one state (monthly scoring): the columns the
    groups do not unlock become NaN, exactly as a quote sends them (and are marginalised out)."""
    allowed = allowed_features(groups)
    out = np.array(X, dtype=np.float64, copy=True)
    for col, name in enumerate(model.feature_names):
        if name not in allowed:
            out[:, col] = np.nan
    return out
