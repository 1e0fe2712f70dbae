"""The Litestar application factory: one place registers routes, dependencies and error handlers."""

from __future__ import annotations

import time
from typing import Any

import anyio
from litestar import Litestar, MediaType, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from saas import charts
from saas.audit.routes import export_audit, read_decision, replay_decision, verify_audit
from saas.compliance.routes import ROUTES as COMPLIANCE_ROUTES
from saas.console import routes as console
from saas.console.sessions import ConsoleSessions
from saas.content.routes import CONFIG, RULESET, lifecycle_routes
from saas.content.tenant_routes import create_tenant
from saas.fairness.routes import ROUTES as FAIRNESS_ROUTES
from saas.http_errors import EXCEPTION_HANDLERS
from saas.lifecycle.routes import get_shadow_report
from saas.openapi import COMPONENTS, document
from saas.rates.routes import ROUTES as RATE_ROUTES
from saas.rating.routes import create_quote, create_quotes_bulk
from saas.runtime import Runtime
from saas.scoring.routes import create_risk_scores
from saas.settings import Settings, load_settings
from saas.tenancy.guards import provide_principal
from saas.trips.routes import ROUTES as TRIP_ROUTES


@get("/healthz", operation_id="healthz", tags=["operations"], sync_to_thread=False)
def healthz(state: State) -> dict[str, Any]:
    """Liveness, plus the loaded tenants and their configuration hashes (what this replica serves)."""
    rt: Runtime = state.runtime
    tenants = {t.config.id: t.content_hash for t in rt.catalog.tenants.values()}
    return {"status": "ok", "tenants": tenants, "model": rt.model.version, "code": rt.code_version}


@get("/readyz", operation_id="readyz", tags=["operations"],
     responses={503: ResponseSpec(data_container=dict[str, str], description="the database is unreachable",
                                  generate_examples=False)})
async def readyz(state: State) -> Response[dict[str, Any]]:
    """Readiness: configuration loaded and the database reachable."""
    rt: Runtime = state.runtime
    if not await rt.db.ping():
        return Response({"status": "unavailable", "database": rt.db.dialect}, status_code=503)
    return Response({"status": "ready", "tenants": len(rt.catalog.tenants), "database": rt.db.dialect})


@get("/metrics", operation_id="metrics", tags=["operations"], media_type=MediaType.TEXT, sync_to_thread=False)
def metrics(state: State) -> bytes:
    """Prometheus exposition: requests, latencies, quotes by tenant, errors."""
    return state.runtime.metrics.render()


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Count and time every request by route template; count error responses by problem type."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            rt: Runtime = scope["litestar_app"].state.runtime
            handler = scope.get("route_handler")
            route = next(iter(handler.paths)) if handler is not None else "unmatched"
            rt.metrics.requests.labels(scope.get("method", "WS"), route, str(status)).inc()
            rt.metrics.latency.labels(route).observe(time.perf_counter() - started)
            if status >= 400:
                rt.metrics.errors.labels(str(status)).inc()

    return middleware


CONTENT_ROUTES = [*lifecycle_routes(CONFIG), *lifecycle_routes(RULESET), create_tenant]
SERVICES = ("db", "settings", "limiter", "metrics", "quotes", "risk_scores", "decisions", "rate_versions", "trips",
            "content", "compliance", "fairness")
"""The runtime's parts handlers may ask for by name; nothing else of the runtime reaches a handler."""


def _part_of(rt: Runtime, name: str) -> Any:
    """A provider of one assembled part (read per request, so an operator or test can swap it)."""
    return lambda: getattr(rt, name)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """Build the app; ``runtime`` lets tests and benchmarks share an already loaded one."""
    settings = settings or load_settings()
    rt = runtime or Runtime.load(settings)

    async def startup(app: Litestar) -> None:
        await rt.start()
        await anyio.to_thread.run_sync(charts.warm_up)

    async def shutdown(app: Litestar) -> None:
        await rt.close()

    handlers = [healthz, readyz, metrics, create_quote, create_quotes_bulk, read_decision, replay_decision,
                export_audit, verify_audit, create_risk_scores, get_shadow_report, *RATE_ROUTES, *TRIP_ROUTES,
                *CONTENT_ROUTES, *COMPLIANCE_ROUTES, *FAIRNESS_ROUTES]
    document(handlers)
    sessions = ConsoleSessions(rt.db)
    return Litestar(
        route_handlers=[*handlers, console.router()],
        dependencies={name: Provide(_part_of(rt, name), sync_to_thread=False) for name in SERVICES}
        | {"principal": Provide(provide_principal)},
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics_middleware],
        state=State({"runtime": rt, "database": _part_of(rt, "db"), "console_sessions": sessions}),
        template_config=console.template_config(),
        on_startup=[startup],
        on_shutdown=[shutdown],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="Telematics rating API", version="1", path="/schema",
                                     components=COMPONENTS),
        debug=False,
    )


