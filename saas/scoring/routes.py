"""The partner risk-score endpoint (thin handler)."""

from __future__ import annotations

from litestar import post
from litestar.params import Parameter

from saas.runtime import Runtime
from saas.scoring.schemas import RiskScoreRequest, RiskScoreResponse
from saas.scoring.service import score_and_record
from saas.tenancy.guards import RATE, require
from saas.tenancy.keys import Principal


@post("/v1/risk-scores", operation_id="createRiskScores", tags=["scoring"], status_code=200)
async def create_risk_scores(
    rt: Runtime, principal: Principal, data: RiskScoreRequest,
    explain: bool = Parameter(query="explain", default=True, description="Include per-feature contributions."),
) -> RiskScoreResponse:
    """Score telematics feature vectors with the shared model under the tenant's mapping."""
    require(principal, RATE)
    rt.limiter.take(principal.tenant_id, cost=len(data.drivers))
    return await score_and_record(rt, principal.tenant_id, data, explain)
