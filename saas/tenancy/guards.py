"""Who is calling: API key → principal (tenant, role, name), and what each role may do.

The principal's tenant is the only tenant a request can ever touch: handlers receive it from
here and pass it to services, which scope every query by it. Roles are checked here, before any
lookup, so a role without the right learns nothing (403) while an id of another tenant is a 404
from the service, indistinguishable from an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from saas.errors import Forbidden, Unauthenticated
from saas.runtime import Runtime
from saas.tenancy.keys import Principal, authenticate

RuntimeDep = NamedDependency[Runtime]
"""The process runtime, injected by name into handlers and dependencies."""
PrincipalDep = NamedDependency[Principal]
"""The authenticated caller, resolved from its API key by ``provide_principal``."""

RATE = frozenset({"rating", "admin"})
READ_DECISIONS = frozenset({"rating", "compliance", "admin"})
COMPLIANCE = frozenset({"compliance", "admin"})


def api_key_of(request: Request[Any, Any, Any]) -> str:
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


async def provide_principal(request: Request[Any, Any, Any], rt: RuntimeDep) -> Principal:
    key = api_key_of(request)
    async with rt.db.sessions() as session:
        return await authenticate(session, key)


def require(principal: Principal, allowed: frozenset[str]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"role '{principal.role}' may not do this (needs one of: {', '.join(sorted(allowed))})")
