"""Which telematics inputs a tenant may use: the one place feature permissions are applied."""

from __future__ import annotations

from saas.quote.factors import FEATURE_GROUPS
from saas.quote.schemas import Telematics
from saas.scoring.model import RiskModel


def model_row(telematics: Telematics, groups: tuple[str, ...], model: RiskModel) -> dict[str, float | None]:
    """Model inputs with features of groups the tenant may not use sent as missing (imputed).

    The one place feature permissions are applied, for quotes and for risk scores alike."""
    allowed = {name for group in groups for name in FEATURE_GROUPS.get(group, ())}
    allowed.add("prior_claim_count")
    return {name: (getattr(telematics, name) if name in allowed else None) for name in model.feature_names}
