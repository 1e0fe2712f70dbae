"""Re-rating a recorded quote from the snapshots it pinned: the quote kind's ``Replayer``.

Tenant config, ruleset and rate table come back by content hash, the model must be the one the
decision used, and the spread and clock are the decision's own; then the very same pure pricing
function as a live quote runs, so "identical" means the code path, not a copy of it, agrees.
"""

from __future__ import annotations

from typing import Any

import msgspec

from saas.audit.replay import SnapshotReader, differences
from saas.audit.schemas import Replayed
from saas.clock import parse_timestamp
from saas.errors import ModelError, SaasError
from saas.rating.lookups import compile_table
from saas.rating.responses import DecisionPayload
from saas.rating.schemas import RateTableSpec
from saas.rating.service import Pinned, price_batch
from saas.rules.versions import restore
from saas.scoring.model import RiskModel
from saas.scoring.registry import ModelRegistry
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant


class QuoteReplayer:
    """Loads the decision's own model version (the registry keeps every registered one), so a
    decision replays to the cent after any number of model upgrades."""

    def __init__(self, model: RiskModel, registry: ModelRegistry | None = None) -> None:
        self.model = model
        self.registry = registry

    async def model_of(self, version: str | None) -> RiskModel:
        if version is None or version == self.model.version:
            return self.model
        if self.registry is None:
            raise ModelError(f"decision used model {version}; this process serves {self.model.version}")
        return await self.registry.load(version)

    async def replay(self, payload: Any, snapshots: SnapshotReader) -> Replayed:
        original = msgspec.convert(payload, DecisionPayload, strict=False)
        versions = original.response.versions
        pinned_versions = msgspec.to_builtins(versions)
        config_json = await snapshots("tenant_config", versions.tenant_config)
        ruleset_text = await snapshots("ruleset", versions.ruleset)
        table_json = await snapshots("rate_table", versions.rate_table)
        model = await self.model_of(versions.model)
        tenant = LoadedTenant(msgspec.json.decode(config_json, type=TenantConfig), versions.tenant_config, "snapshot")
        table = compile_table(msgspec.json.decode(table_json, type=RateTableSpec), source="snapshot")
        pinned = Pinned(restore(ruleset_text, f"snapshot:{versions.ruleset[:12]}"), table)
        (result,) = price_batch(tenant, [original.request], [pinned], model, explain=original.explain,
                                code_version=versions.code, now=parse_timestamp(original.response.created_at),
                                spread=original.response.target_spread)
        premium = original.response.premium
        if isinstance(result, SaasError):
            return Replayed(False, [f"replay failed: {result.detail}"], pinned_versions, premium, None)
        replayed = msgspec.structs.replace(result.response, decision_id=original.response.decision_id)
        return Replayed(replayed == original.response, differences(original.response, replayed), pinned_versions,
                        premium, replayed.premium)
