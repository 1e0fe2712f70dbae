"""The partner risk-score endpoint (thin handler)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import QueryParameter

from saas.http_body import documented_body, read_body
from saas.openapi import extended
from saas.scoring.schemas import RiskScoreRequest, RiskScoreResponse
from saas.scoring.service import RiskScoreService
from saas.tenancy.guards import RATE, LimiterDep, PrincipalDep, allow

RiskScoresDep = NamedDependency[RiskScoreService]
"""The risk-score service, provided by the app factory as ``risk_scores``."""
FEATURES = {"hard_braking_events_per_100mi": 1.5, "aggressive_turning_events_per_100mi": 1.0,
            "tailgating_time_ratio": 0.05, "speeding_minutes_per_100mi": 3.0, "late_night_miles_per_100mi": 1.0,
            "miles": 900, "prior_claim_count": 0}
EXAMPLES = [Example(summary="One Texas driver", value={"drivers": [{"driver_id": "d-1", "features": FEATURES}],
                                                        "state": "TX"})]


@post("/v1/risk-scores", operation_id="createRiskScores", tags=["scoring"], status_code=200, guards=[allow(RATE)],
      dependencies=documented_body(RiskScoreRequest, EXAMPLES), operation_class=extended(200, links={
          "GetDecision": ("getDecision", {"decision_id": "$response.body#/scores/0/decision_id"}),
          "ReplayDecision": ("replayDecision", {"decision_id": "$response.body#/scores/0/decision_id"})}))
async def create_risk_scores(
    risk_scores: RiskScoresDep, limiter: LimiterDep, principal: PrincipalDep, request: Request[Any, Any, Any],
    explain: Annotated[bool, QueryParameter(name="explain", description="Include per-feature contributions.")] = True,
) -> RiskScoreResponse:
    """Score telematics feature vectors with the shared model under the tenant's mapping."""
    data = await read_body(request, RiskScoreRequest)
    await limiter.acquire(principal.tenant_id, cost=len(data.drivers))
    return await risk_scores.score_and_record(principal.tenant_id, data, explain)
