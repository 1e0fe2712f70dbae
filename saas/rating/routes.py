"""Quote endpoints: thin handlers over ``saas.rating.decisions``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.openapi.spec import Example
from litestar.params import BodyKwarg, QueryParameter

from saas.errors import PayloadTooLarge, SaasError, ValidationFailed
from saas.http_errors import problem_of, validation_problem
from saas.rating.decisions import quote_and_record
from saas.rating.quote import Quote
from saas.rating.responses import BulkItem, BulkRequest, BulkResponse, QuoteResponse
from saas.tenancy.guards import RATE, PrincipalDep, RuntimeDep, require

EXAMPLE_QUOTE: dict[str, Any] = {
    "policy": {"state": "TX", "zip_code": "75201", "effective_date": "2026-06-01", "coverage_level": "standard"},
    "vehicle": {"model_year": 2021, "vehicle_type": "sedan", "safety_rating": 5, "theft_risk": "low"},
    "drivers": [{"age": 38, "years_licensed": 20, "violations": 0, "at_fault_accidents": 0, "primary": True}],
    "coverages": {"pip": True},
    "telematics": {"hard_braking_events_per_100mi": 1.5, "aggressive_turning_events_per_100mi": 1.0,
                   "tailgating_time_ratio": 0.05, "speeding_minutes_per_100mi": 3.0,
                   "late_night_miles_per_100mi": 1.0, "miles": 900, "prior_claim_count": 0},
}
Explain = Annotated[bool, QueryParameter(
    name="explain", description="Include per-feature explanations of the telematics score (slower).")]
QuoteBody = Annotated[Quote, BodyKwarg(examples=[Example(summary="A Texas driver", value=EXAMPLE_QUOTE)])]


@post("/v1/quotes", operation_id="createQuote", tags=["quotes"], status_code=201)
async def create_quote(
    rt: RuntimeDep, principal: PrincipalDep, data: QuoteBody, explain: Explain = True
) -> QuoteResponse:
    """Price one policy for the caller's tenant and record the decision in its audit chain."""
    require(principal, RATE)
    rt.limiter.take(principal.tenant_id)
    (result,) = await quote_and_record(rt, principal.tenant_id, [data], explain=explain)
    rt.metrics.quotes.labels(principal.tenant_id, "error" if isinstance(result, SaasError) else "ok").inc()
    if isinstance(result, SaasError):
        raise result
    return result.response


@post("/v1/quotes/bulk", operation_id="createQuotesBulk", tags=["quotes"], status_code=200)
async def create_quotes_bulk(
    rt: RuntimeDep, principal: PrincipalDep, request: Request[Any, Any, Any],
    explain: Explain = True,
) -> BulkResponse:
    """Price up to the bulk limit of quotes in one call: one model call, one audit entry per quote.

    Body: ``{"quotes": [<quote>, ...]}``. Each quote succeeds or fails on its own; a failed quote
    carries its error with the JSON path inside the request (``$.quotes[3].policy.state``)."""
    require(principal, RATE)
    envelope = _decode_envelope(await request.body(), rt.settings.bulk_max_quotes)
    rt.limiter.take(principal.tenant_id, cost=len(envelope.quotes))
    decoded: list[Quote | SaasError] = [_decode_quote(raw, i) for i, raw in enumerate(envelope.quotes)]
    valid = [(i, q) for i, q in enumerate(decoded) if isinstance(q, Quote)]
    priced = await quote_and_record(rt, principal.tenant_id, [q for _, q in valid], explain=explain)
    results = [BulkItem(i, error=_problem(e)) for i, e in enumerate(decoded) if isinstance(e, SaasError)]
    for (i, _), outcome in zip(valid, priced, strict=True):
        if isinstance(outcome, SaasError):
            results.append(BulkItem(i, error=_problem(outcome, f"$.quotes[{i}]")))
        else:
            results.append(BulkItem(i, quote=outcome.response))
    results.sort(key=lambda item: item.index)
    failed = sum(1 for item in results if item.error is not None)
    rt.metrics.quotes.labels(principal.tenant_id, "ok").inc(len(results) - failed)
    rt.metrics.quotes.labels(principal.tenant_id, "error").inc(failed)
    return BulkResponse(results=results, succeeded=len(results) - failed, failed=failed)


def _decode_envelope(body: bytes, limit: int) -> BulkRequest:
    try:
        envelope = msgspec.json.decode(body, type=BulkRequest)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        problem = validation_problem(exc)
        raise ValidationFailed(problem.detail, path=problem.path) from None
    if len(envelope.quotes) > limit:
        raise PayloadTooLarge(f"{len(envelope.quotes)} quotes in one request; the limit is {limit}", path="$.quotes")
    return envelope


def _decode_quote(raw: msgspec.Raw, index: int) -> Quote | SaasError:
    try:
        return msgspec.json.decode(raw, type=Quote)
    except msgspec.ValidationError as exc:
        problem = validation_problem(exc, prefix=f"$.quotes[{index}]")
        return ValidationFailed(problem.detail, path=problem.path)


def _problem(exc: SaasError, prefix: str | None = None) -> dict[str, object]:
    problem = problem_of(exc)
    if prefix and problem.path and problem.path.startswith("$"):
        problem.path = prefix + problem.path[1:]
    elif prefix and problem.path is None:
        problem.path = prefix
    return msgspec.to_builtins(problem)
