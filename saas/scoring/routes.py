"""The partner risk-score endpoint (thin handler)."""

from __future__ import annotations

from typing import Annotated

from litestar import post
from litestar.params import JSONBody, QueryParameter

from saas.scoring.schemas import RiskScoreRequest, RiskScoreResponse
from saas.scoring.service import score_and_record
from saas.tenancy.guards import RATE, PrincipalDep, RuntimeDep, require


@post("/v1/risk-scores", operation_id="createRiskScores", tags=["scoring"], status_code=200)
async def create_risk_scores(
    rt: RuntimeDep, principal: PrincipalDep, data: JSONBody[RiskScoreRequest],
    explain: Annotated[bool, QueryParameter(name="explain", description="Include per-feature contributions.")] = True,
) -> RiskScoreResponse:
    """Score telematics feature vectors with the shared model under the tenant's mapping."""
    require(principal, RATE)
    rt.limiter.take(principal.tenant_id, cost=len(data.drivers))
    return await score_and_record(rt, principal.tenant_id, data, explain)
