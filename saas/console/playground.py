"""The quote playground: the premium and every factor update over a WebSocket as fields change.

Each message is the form's values; the answer is the result fragment, priced by the quote service's
``price`` (the call for what-if runs: nothing enters the audit chain). The session is resumed on
every message, so a revoked key stops getting prices at once. "Record this quote" posts the same
form to the API's own path through the service (``quote_and_record``, rate-limited like the API):
a real decision, kept and replayable.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, WebSocket, get, post, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.response import Template

from saas.console.queries import today
from saas.console.quote_form import FIELDS, GROUPS, defaults, quote_of
from saas.console.web import SESSION_COOKIE, SignedIn, page, sessions_of, signed_in, to
from saas.errors import Forbidden, SaasError, Unauthenticated
from saas.rating.quoting import QuoteService
from saas.rating.routes import QuotesDep
from saas.rating.service import Priced
from saas.tenancy.guards import RATE, LimiterDep, MetricsDep, require

CLOSE_SIGNED_OUT = 4401
"""WebSocket close code when the session has ended (4000–4999 are the application's)."""


def state_zips(quotes: QuoteService, tenant_id: str, states: list[str]) -> dict[str, str]:
    """A ZIP that each state's table in force prices (its first territory), for the form's default."""
    out = {}
    for state in states:
        try:
            table = quotes.rates.table_in_effect(tenant_id, state, "auto", today(), "new")
        except SaasError:
            continue
        if table.spec.territories.areas:
            out[state] = table.spec.territories.areas[0].zips[0].ljust(5, "0")
    return out


def priced(quotes: QuoteService, tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """The result fragment's context: the priced response, or the error (with its field path)."""
    started = time.perf_counter()
    try:
        (result,) = quotes.price(tenant_id, [quote_of(values)], explain=True)
    except SaasError as exc:
        return {"error": exc}
    if not isinstance(result, Priced):
        return {"error": result}
    return {"response": result.response, "server_ms": (time.perf_counter() - started) * 1000}


@get("/playground", guards=[signed_in(RATE)], include_in_schema=False)
async def playground(request: Request[Any, Any, Any], quotes: QuotesDep, user: SignedIn) -> Template:
    states = list(quotes.config.tenant(user.tenant_id).config.states)
    values = defaults(states, today(), state_zips(quotes, user.tenant_id, states))
    return page(request, "playground.html", user, fields=FIELDS, groups=GROUPS, states=states, values=values,
                **priced(quotes, user.tenant_id, values))


def same_origin(socket: WebSocket[Any, Any, Any]) -> bool:
    """A browser always sends Origin on a WebSocket handshake: only the console's own pages may connect."""
    origin = socket.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == socket.headers.get("host")


@websocket("/playground/ws", guards=[signed_in(RATE)])
async def playground_socket(socket: WebSocket[Any, Any, Any], quotes: QuotesDep) -> None:
    if not same_origin(socket):
        raise Forbidden("the playground accepts connections from the console's own pages only")
    await socket.accept()
    token = socket.cookies.get(SESSION_COOKIE, "")
    template = socket.app.template_engine.get_template("playground_result.html")  # type: ignore[union-attr]
    while True:
        try:
            values = await socket.receive_json()
        except WebSocketDisconnect:
            return
        try:
            user = await sessions_of(socket).resume(token)
            require(user.principal, RATE)
        except (Unauthenticated, Forbidden) as exc:
            await socket.send_text(template.render(ended=exc.detail))
            await socket.close(code=CLOSE_SIGNED_OUT)
            return
        values = values if isinstance(values, dict) else {}
        await socket.send_text(template.render(**priced(quotes, user.tenant_id, values)))


@post("/playground/record", guards=[signed_in(RATE)], include_in_schema=False)
async def record(request: Request[Any, Any, Any], quotes: QuotesDep, limiter: LimiterDep, metrics: MetricsDep,
                 user: SignedIn) -> Response[Any]:
    """Price and record, exactly as ``POST /v1/quotes`` does; then show the decision."""
    quote = quote_of(dict((await request.form()).items()))
    await limiter.acquire(user.tenant_id)
    (result,) = await quotes.quote_and_record(user.tenant_id, [quote], explain=True)
    metrics.quotes.labels(user.tenant_id, "error" if isinstance(result, SaasError) else "ok").inc()
    if isinstance(result, SaasError):
        raise result
    return to(f"/console/decisions/{result.response.decision_id}?recorded=1")


ROUTES = [playground, playground_socket, record]
