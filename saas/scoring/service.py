"""Scoring telematics feature vectors for a tenant: the partner "risk score" call.

The same pipeline, model and tenant mapping as quotes (``saas.scoring.pipeline``), without a
premium: one vectorised model call for all drivers, and one audit entry per driver, pinning the
tenant config, model and spread, so compliance can trace and replay every score given out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import anyio
from msgspec import Struct

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.errors import RatingError
from saas.scoring.explain import Explanation
from saas.scoring.features import FeatureSet, feature_set, model_row
from saas.scoring.mapping import ScoreMapping
from saas.scoring.model import RiskModel
from saas.scoring.pipeline import score_rows
from saas.scoring.schemas import DriverFeatures, DriverScore, RiskScoreRequest, RiskScoreResponse
from saas.scoring.selection import TenantModels
from saas.tenancy.service import LoadedTenant


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


class RiskScorePayload(Struct, frozen=True, forbid_unknown_fields=True):
    """The body of an audit entry of kind ``risk_score``: what was scored, how, and what was given out."""

    request: DriverFeatures
    state: str | None
    score: DriverScore
    model_version: str
    tenant_config: str
    target_spread: Decimal | None = None
    explain: bool = True


def features_of(tenant: LoadedTenant, state: str | None) -> FeatureSet:
    if state is not None and state not in tenant.config.states:
        raise RatingError(f"tenant does not serve {state}", path="$.state")
    return feature_set(tenant.config, state)


def driver_score(driver_id: str, mapping: ScoreMapping, explanation: Explanation | None,
                 decision_id: str) -> DriverScore:
    return DriverScore(
        decision_id=decision_id, driver_id=driver_id, risk_score=mapping.risk,
        safety_score=mapping.safety_score, multiplier=mapping.multiplier, tier=mapping.tier,
        tier_label=mapping.tier_label, percentile=mapping.percentile, safest_top_pct=mapping.safest_top_pct,
        contributions={c.feature: c.contribution for c in explanation.contributions} if explanation else None,
        top_adverse_factors=explanation.top_adverse if explanation else None,
        top_positive_factors=explanation.top_positive if explanation else None)


def score_drivers(model: RiskModel, tenant: LoadedTenant, drivers: Sequence[DriverFeatures], state: str | None, *,
                  explain: bool, spread_override: Decimal | None,
                  decision_ids: Sequence[str] | None = None) -> tuple[list[DriverScore], Decimal]:
    """Pure: the scores (and the spread the mapping used); replay passes the recorded decision ids."""
    features = features_of(tenant, state)
    scored = score_rows(model, tenant.config.pricing,
                        [model_row(d.features, features.groups, model) for d in drivers],
                        explain=explain, spread_override=spread_override, features=features)
    ids = decision_ids or [str(uuid.uuid4()) for _ in drivers]
    scores = [driver_score(d.driver_id, m, e, i)
              for d, m, e, i in zip(drivers, scored.mappings, scored.explanations(), ids, strict=True)]
    return scores, scored.spread


class RiskScoreService:
    def __init__(self, tenants: Tenants, models: TenantModels | RiskModel, decisions: DecisionLog, *,
                 spread_override: Decimal | None = None) -> None:
        self.tenants, self.decisions = tenants, decisions
        self.models = TenantModels.of(models)
        self.spread_override = spread_override

    def score(self, tenant: LoadedTenant, request: RiskScoreRequest, explain: bool) -> RiskScoreResponse:
        model = self.models.live(tenant)
        scores, _ = score_drivers(model, tenant, request.drivers, request.state, explain=explain,
                                  spread_override=self.spread_override)
        return RiskScoreResponse(scores=scores, model_version=model.version, tenant_config=tenant.content_hash)

    async def score_and_record(self, tenant_id: str, request: RiskScoreRequest, explain: bool) -> RiskScoreResponse:
        tenant = self.tenants.tenant(tenant_id)
        if len(request.drivers) > 1:  # up to 10,000 drivers with explanations: seconds, kept off the event loop
            response = await anyio.to_thread.run_sync(lambda: self.score(tenant, request, explain))
        else:
            response = self.score(tenant, request, explain)
        spread = tenant.config.pricing.target_spread if self.spread_override is None else self.spread_override
        now = dt.datetime.now(dt.UTC)
        entries = [NewEntry(kind="risk_score", decision_id=s.decision_id, created_at=now,
                            payload=RiskScorePayload(d, request.state, s, response.model_version, tenant.content_hash,
                                                     spread, explain))
                   for d, s in zip(request.drivers, response.scores, strict=True)]
        await self.decisions.record(tenant_id, entries)
        return response
