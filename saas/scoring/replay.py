"""Re-scoring a recorded risk score from its pinned tenant config, model and spread.

Every kind of decision the chain records must replay, risk scores as much as quotes: a driver
told "top 20 % safest" is owed the same answer when compliance asks later.
"""

from __future__ import annotations

from typing import Any

import msgspec

from saas.audit.replay import SnapshotReader, differences
from saas.audit.schemas import Replayed
from saas.errors import ModelError
from saas.scoring.model import RiskModel
from saas.scoring.registry import ModelRegistry
from saas.scoring.service import RiskScorePayload, score_drivers
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant


class RiskScoreReplayer:
    def __init__(self, model: RiskModel, registry: ModelRegistry | None = None) -> None:
        self.model = model
        self.registry = registry

    async def replay(self, payload: Any, snapshots: SnapshotReader) -> Replayed:
        original = msgspec.convert(payload, RiskScorePayload, strict=False)
        versions: dict[str, str | None] = {"tenant_config": original.tenant_config, "model": original.model_version}
        config_json = await snapshots("tenant_config", original.tenant_config)
        model = self.model
        if original.model_version != self.model.version:
            if self.registry is None:
                raise ModelError(f"decision used model {original.model_version}; this process serves "
                                 f"{self.model.version}")
            model = await self.registry.load(original.model_version)
        tenant = LoadedTenant(msgspec.json.decode(config_json, type=TenantConfig), original.tenant_config, "snapshot")
        (score,), _ = score_drivers(model, tenant, [original.request], original.state,
                                    explain=original.explain, spread_override=original.target_spread,
                                    decision_ids=[original.score.decision_id])
        return Replayed(score == original.score, differences(original.score, score), versions)
