"""The partner risk-score endpoint (thin handler)."""

from __future__ import annotations

from typing import Annotated

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from saas.scoring.schemas import RiskScoreRequest, RiskScoreResponse
from saas.scoring.service import RiskScoreService
from saas.tenancy.guards import RATE, LimiterDep, PrincipalDep, require

RiskScoresDep = NamedDependency[RiskScoreService]
"""The risk-score service, provided by the app factory as ``risk_scores``."""


@post("/v1/risk-scores", operation_id="createRiskScores", tags=["scoring"], status_code=200)
async def create_risk_scores(
    risk_scores: RiskScoresDep, limiter: LimiterDep, principal: PrincipalDep, data: JSONBody[RiskScoreRequest],
    explain: Annotated[bool, QueryParameter(name="explain", description="Include per-feature contributions.")] = True,
) -> RiskScoreResponse:
    """Score telematics feature vectors with the shared model under the tenant's mapping."""
    require(principal, RATE)
    limiter.take(principal.tenant_id, cost=len(data.drivers))
    return await risk_scores.score_and_record(principal.tenant_id, data, explain)
