"""Quote endpoints: thin handlers over ``saas.rating.decisions``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import BodyKwarg, QueryParameter

from saas.errors import PayloadTooLarge, SaasError, ValidationFailed
from saas.http_errors import problem_of, validation_problem
from saas.quote.schemas import Quote
from saas.rating.decisions import quote_and_record, quote_bulk
from saas.rating.responses import BulkItem, BulkRequest, BulkResponse, QuoteResponse
from saas.rating.service import Priced
from saas.runtime import Runtime
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


@post("/v1/quotes/bulk", operation_id="createQuotesBulk", tags=["quotes"], status_code=200,
      responses={200: ResponseSpec(data_container=BulkResponse, description="one result or error per quote")})
async def create_quotes_bulk(
    rt: RuntimeDep, principal: PrincipalDep, request: Request[Any, Any, Any],
    explain: Explain = True,
) -> Response[bytes]:
    """Price up to the bulk limit of quotes in one call: one model call, one audit entry per quote.

    Body: ``{"quotes": [<quote>, ...]}``. Each quote succeeds or fails on its own; a failed quote
    carries its error with the JSON path inside the request (``$.quotes[3].policy.state``)."""
    require(principal, RATE)
    body, succeeded, failed = await render_bulk(rt, principal.tenant_id, await request.body(), explain=explain)
    rt.metrics.quotes.labels(principal.tenant_id, "ok").inc(succeeded)
    rt.metrics.quotes.labels(principal.tenant_id, "error").inc(failed)
    return Response(body, media_type=MediaType.JSON)


async def render_bulk(rt: Runtime, tenant_id: str, request_body: bytes, *, explain: bool) -> tuple[bytes, int, int]:
    """Decode, price, record and encode a bulk request; returns the JSON body and the counts.

    Results are encoded as soon as their slice is priced and assembled as bytes, so the response is
    never held twice (once as objects, once encoded)."""
    envelope = _decode_envelope(request_body, rt.settings.bulk_max_quotes)
    rt.limiter.take(tenant_id, cost=len(envelope.quotes))
    decoded = [_decode_quote(raw, i) for i, raw in enumerate(envelope.quotes)]
    del envelope
    items = {i: msgspec.json.encode(BulkItem(i, error=_problem(e))) for i, e in enumerate(decoded)
             if isinstance(e, SaasError)}
    valid = [(i, q) for i, q in enumerate(decoded) if isinstance(q, Quote)]
    del decoded

    def encode(position: int, outcome: Priced | SaasError) -> bytes:
        i = valid[position][0]
        if isinstance(outcome, SaasError):
            return msgspec.json.encode(BulkItem(i, error=_problem(outcome, f"$.quotes[{i}]")))
        return msgspec.json.encode(BulkItem(i, quote=outcome.response))

    encoded, succeeded = await quote_bulk(rt, tenant_id, [q for _, q in valid], explain=explain, encode=encode)
    items.update((valid[position][0], body) for position, body in enumerate(encoded))
    failed = len(items) - succeeded
    body = b"".join((b'{"results":[', b",".join(items[i] for i in sorted(items)),
                     b'],"succeeded":%d,"failed":%d}' % (succeeded, failed)))
    return body, succeeded, failed


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


def _problem(exc: SaasError, prefix: str | None = None) -> dict[str, Any]:
    problem = problem_of(exc)
    if prefix and problem.path and problem.path.startswith("$"):
        problem.path = prefix + problem.path[1:]
    elif prefix and problem.path is None:
        problem.path = prefix
    return msgspec.to_builtins(problem)
