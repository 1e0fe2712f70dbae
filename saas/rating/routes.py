"""Quote endpoints: thin handlers over ``saas.rating.quoting.QuoteService``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import QueryParameter

from saas.errors import PayloadTooLarge, SaasError
from saas.http_body import check_structure, decode_checked, documented_body, read_body
from saas.http_errors import problem_of
from saas.openapi import extended
from saas.quote.examples import EXAMPLE_QUOTE
from saas.quote.schemas import Quote
from saas.rating.quoting import QuoteService
from saas.rating.responses import BulkItem, BulkRequest, BulkResponse, QuoteResponse
from saas.rating.service import Priced
from saas.tenancy.guards import RATE, LimiterDep, MetricsDep, PrincipalDep, SettingsDep, allow
from saas.tenancy.ratelimit import RateLimiter

Explain = Annotated[bool, QueryParameter(
    name="explain", description="Include per-feature explanations of the telematics score (slower).")]
QuotesDep = NamedDependency[QuoteService]
"""The quote service, provided by the app factory as ``quotes``."""
QUOTE_EXAMPLES = [Example(summary="A Texas driver", value=EXAMPLE_QUOTE)]
BULK_EXAMPLES = [Example(summary="Two quotes", value={"quotes": [EXAMPLE_QUOTE, EXAMPLE_QUOTE | {"reference": "b"}]})]


@post("/v1/quotes", operation_id="createQuote", tags=["quotes"], status_code=201, guards=[allow(RATE)],
      dependencies=documented_body(Quote, QUOTE_EXAMPLES), operation_class=extended(201, links={
          "GetDecision": ("getDecision", {"decision_id": "$response.body#/decision_id"}),
          "ReplayDecision": ("replayDecision", {"decision_id": "$response.body#/decision_id"})}))
async def create_quote(
    quotes: QuotesDep, limiter: LimiterDep, metrics: MetricsDep, principal: PrincipalDep,
    request: Request[Any, Any, Any], explain: Explain = True,
) -> QuoteResponse:
    """Price one policy for the caller's tenant and record the decision in its audit chain."""
    quote = await read_body(request, Quote)
    await limiter.acquire(principal.tenant_id)
    (result,) = await quotes.quote_and_record(principal.tenant_id, [quote], explain=explain)
    metrics.quotes.labels(principal.tenant_id, "error" if isinstance(result, SaasError) else "ok").inc()
    if isinstance(result, SaasError):
        raise result
    return result.response


@post("/v1/quotes/bulk", operation_id="createQuotesBulk", tags=["quotes"], status_code=200, guards=[allow(RATE)],
      dependencies=documented_body(BulkRequest, BULK_EXAMPLES),
      responses={200: ResponseSpec(data_container=BulkResponse, description="one result or error per quote")})
async def create_quotes_bulk(
    quotes: QuotesDep, limiter: LimiterDep, metrics: MetricsDep, settings: SettingsDep, principal: PrincipalDep,
    request: Request[Any, Any, Any], explain: Explain = True,
) -> Response[bytes]:
    """Price up to the bulk limit of quotes in one call: one model call, one audit entry per quote.

    Body: ``{"quotes": [<quote>, ...]}``. Each quote succeeds or fails on its own; a failed quote
    carries its error with the JSON path inside the request (``$.quotes[3].policy.state``)."""
    body, succeeded, failed = await render_bulk(quotes, limiter, principal.tenant_id, await request.body(),
                                                limit=settings.bulk_max_quotes, explain=explain)
    metrics.quotes.labels(principal.tenant_id, "ok").inc(succeeded)
    metrics.quotes.labels(principal.tenant_id, "error").inc(failed)
    return Response(body, media_type=MediaType.JSON)


async def render_bulk(quotes: QuoteService, limiter: RateLimiter, tenant_id: str, request_body: bytes, *,
                      limit: int, explain: bool) -> tuple[bytes, int, int]:
    """Decode, price, record and encode a bulk request; returns the JSON body and the counts.

    Results are encoded as soon as their slice is priced and assembled as bytes, so the response is
    never held twice (once as objects, once encoded)."""
    envelope = decode_envelope(request_body, limit)
    await limiter.acquire(tenant_id, cost=len(envelope.quotes))
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

    encoded, succeeded = await quotes.quote_bulk(tenant_id, [q for _, q in valid], explain=explain, encode=encode)
    items.update((valid[position][0], body) for position, body in enumerate(encoded))
    failed = len(items) - succeeded
    body = b"".join((b'{"results":[', b",".join(items[i] for i in sorted(items)),
                     b'],"succeeded":%d,"failed":%d}' % (succeeded, failed)))
    return body, succeeded, failed


def decode_envelope(body: bytes, limit: int) -> BulkRequest:
    """The envelope with each quote still raw: the whole body must be JSON (400 otherwise), while
    each quote is then decoded on its own so one invalid quote fails alone."""
    check_structure(body)
    envelope = decode_checked(body, BulkRequest)
    if len(envelope.quotes) > limit:
        raise PayloadTooLarge(f"{len(envelope.quotes)} quotes in one request; the limit is {limit}", path="$.quotes")
    return envelope


def _decode_quote(raw: msgspec.Raw, index: int) -> Quote | SaasError:
    try:
        return decode_checked(raw, Quote, prefix=f"$.quotes[{index}]")
    except SaasError as exc:
        return exc


def _problem(exc: SaasError, prefix: str | None = None) -> dict[str, Any]:
    problem = problem_of(exc)
    if prefix and problem.path and problem.path.startswith("$"):
        problem.path = prefix + problem.path[1:]
    elif prefix and problem.path is None:
        problem.path = prefix
    return msgspec.to_builtins(problem)
