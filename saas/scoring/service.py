"""Scoring telematics feature vectors for a tenant: the partner "risk score" call.

The same model and tenant mapping as in quotes, without a premium: one vectorised model call for
all drivers, and one audit entry per driver so compliance can trace every score given out.
"""

from __future__ import annotations

import datetime as dt
import uuid

import anyio
import msgspec

from saas.audit.schemas import NewEntry
from saas.errors import RatingError
from saas.runtime import Runtime
from saas.scoring.explain import explain_batch
from saas.scoring.features import model_row
from saas.scoring.mapping import map_scores
from saas.scoring.schemas import DriverScore, RiskScoreRequest, RiskScoreResponse
from saas.tenancy.service import LoadedTenant


def _features(tenant: LoadedTenant, state: str | None) -> tuple[str, ...]:
    if state is None:
        return tuple(tenant.config.features_enabled)
    if state not in tenant.config.states:
        raise RatingError(f"tenant does not serve {state}", path="$.state")
    return tenant.config.features_for(state)


def score_request(rt: Runtime, tenant: LoadedTenant, request: RiskScoreRequest, explain: bool) -> RiskScoreResponse:
    groups = _features(tenant, request.state)
    model = rt.model
    X = model.prepare([model_row(d.features, groups, model) for d in request.drivers])
    mappings = map_scores(model.score(X), tenant.config.pricing, model)
    explanations = explain_batch(model, X) if explain else [None] * len(request.drivers)
    scores = []
    for driver, mapping, explanation in zip(request.drivers, mappings, explanations, strict=True):
        scores.append(DriverScore(
            decision_id=str(uuid.uuid4()), driver_id=driver.driver_id, risk_score=mapping.risk,
            safety_score=mapping.safety_score, multiplier=mapping.multiplier, tier=mapping.tier,
            tier_label=mapping.tier_label, percentile=mapping.percentile, safest_top_pct=mapping.safest_top_pct,
            contributions={c.feature: c.contribution for c in explanation.contributions} if explanation else None,
            top_adverse_factors=explanation.top_adverse if explanation else None,
            top_positive_factors=explanation.top_positive if explanation else None))
    return RiskScoreResponse(scores=scores, model_version=model.version, tenant_config=tenant.content_hash)


async def score_and_record(rt: Runtime, tenant_id: str, request: RiskScoreRequest, explain: bool) -> RiskScoreResponse:
    tenant = rt.catalog.tenant(tenant_id)
    if len(request.drivers) > 1:  # up to 10,000 drivers with explanations: seconds, kept off the event loop
        response = await anyio.to_thread.run_sync(lambda: score_request(rt, tenant, request, explain))
    else:
        response = score_request(rt, tenant, request, explain)
    now = dt.datetime.now(dt.UTC)
    entries = [NewEntry(kind="risk_score", decision_id=s.decision_id, created_at=now,
                        payload={"request": msgspec.to_builtins(d), "state": request.state, "score": s,
                                 "model_version": response.model_version, "tenant_config": tenant.content_hash})
               for d, s in zip(request.drivers, response.scores, strict=True)]
    await rt.audit.append(tenant_id, entries)
    return response
