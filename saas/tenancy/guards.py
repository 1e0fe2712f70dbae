"""Who is calling: API key → principal (tenant, role, name), and what each role may do.

The principal's tenant is the only tenant a request can ever touch: handlers receive it from
here and pass it to services, which scope every query by it. Roles are checked by a route guard
(``allow``), which Litestar runs before it reads any query parameter or body: a caller without a
valid key gets 401 and a role without the right 403, whatever it sent, and learns nothing about
validation or lookups. An id of another tenant is a 404 from the service, indistinguishable from
an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from saas.db import Database
from saas.errors import Forbidden, Unauthenticated
from saas.metrics import Metrics
from saas.settings import Settings
from saas.tenancy.keys import Principal, authenticate
from saas.tenancy.ratelimit import RateLimiter

DatabaseDep = NamedDependency[Database]
"""The process's database, injected by name (the app factory provides it as ``db``)."""
LimiterDep = NamedDependency[RateLimiter]
"""The per-tenant rate limiter, provided as ``limiter``."""
MetricsDep = NamedDependency[Metrics]
"""The process's Prometheus metrics, provided as ``metrics``."""
SettingsDep = NamedDependency[Settings]
"""The process's settings (limits such as the bulk size), provided as ``settings``."""
PrincipalDep = NamedDependency[Principal]
"""The authenticated caller, resolved from its API key by ``provide_principal``."""

RATE = frozenset({"rating", "admin"})
READ_DECISIONS = frozenset({"rating", "compliance", "admin"})
COMPLIANCE = frozenset({"compliance", "admin"})


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def api_key_of(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        raise Unauthenticated("Authorization header must be 'Bearer <api key>'")
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    raise Unauthenticated("no API key: send 'Authorization: Bearer <api key>'")


async def principal_of(connection: ASGIConnection[Any, Any, Any, Any], db: Database) -> Principal:
    """The caller, authenticated once per request (the guard's result is kept in the request state)."""
    principal: Principal | None = connection.state.get("principal")
    if principal is None:
        key = api_key_of(connection)
        async with db.sessions() as session:
            principal = await authenticate(session, key)
        connection.state["principal"] = principal
    return principal


def allow(roles: frozenset[str]) -> Guard:
    """A route guard: authenticate, then check the role, before parameters and body are decoded.

    The app factory puts ``database`` (a callable returning the process's ``Database``) in the app
    state, so the guard reaches the database the same way the handlers' ``db`` dependency does."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require(await principal_of(connection, connection.app.state.database()), roles)

    return guard


async def provide_principal(request: Request[Any, Any, Any], db: DatabaseDep) -> Principal:
    return await principal_of(request, db)


def require(principal: Principal, allowed: frozenset[str]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"role '{principal.role}' may not do this (needs one of: {', '.join(sorted(allowed))})")
