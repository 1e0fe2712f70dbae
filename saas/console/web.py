"""What every console page shares: the signed-in user, role checks, CSRF, cookies and rendering.

A page's guard (``signed_in``) resumes the session from its cookie, checks the role with the API's
own role sets (``saas.tenancy.guards.require``), and only then, for a POST, compares the form's or
header's CSRF token with the session's: a role that may not act is refused before anything it
sent is looked at, exactly as in the API. Domain errors become an HTML page with the API's status
(another tenant's object is the same 404 as an unknown one); a GET without a session is sent to
the sign-in page.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from saas.console.navigation import navigation
from saas.console.sessions import MAX_AGE_SECONDS, NOT_SIGNED_IN, ConsoleSessions, ConsoleUser
from saas.errors import Forbidden, SaasError, Unauthenticated
from saas.http_errors import status_of
from saas.tenancy.guards import require

SESSION_COOKIE = "saas_console"
SIGN_IN_COOKIE = "saas_console_signin"
"""The sign-in form's CSRF token before there is a session (double-submit, SameSite=Strict)."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PREFIX = "/console"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Scripts only from the console's own vendored files; no framing; pages never cached (they show a tenant's data)."""
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


SignedIn: TypeAlias = NamedDependency[ConsoleUser]
"""A page handler's ``user``: the signed-in user ``provide_user`` gives, named as a dependency
explicitly (Litestar 3 no longer infers it from the parameter's name)."""


def sessions_of(connection: ASGIConnection[Any, Any, Any, Any]) -> ConsoleSessions:
    sessions: ConsoleSessions = connection.app.state.console_sessions
    return sessions


async def user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> ConsoleUser:
    """The signed-in user, resumed once per request (kept in the connection's state)."""
    user: ConsoleUser | None = connection.state.get("console_user")
    if user is None:
        token = connection.cookies.get(SESSION_COOKIE)
        if not token:
            raise Unauthenticated(NOT_SIGNED_IN)
        user = await sessions_of(connection).resume(token)
        connection.state["console_user"] = user
    return user


def signed_in(roles: frozenset[str] | None = None) -> Guard:
    """A page guard: session, then role, then (for a POST) the CSRF token."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = await user_of(connection)
        if roles is not None:
            require(user.principal, roles)
        if connection.scope.get("method", "GET") not in SAFE_METHODS:
            await check_csrf(connection, user.csrf_token)

    return guard


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], expected: str) -> None:
    """The token from the ``X-CSRF-Token`` header (htmx) or the form's ``csrf_token`` field."""
    sent = connection.headers.get(CSRF_HEADER)
    if not sent and isinstance(connection, Request):
        content_type = connection.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await connection.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form's CSRF token is missing or wrong: reload the page and send it again")


async def provide_user(request: Request[Any, Any, Any]) -> ConsoleUser:
    return await user_of(request)


def behind_tls(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """HTTPS here or at the proxy in front (which then says so): the cookies are then ``Secure``."""
    return connection.url.scheme in ("https", "wss") or connection.headers.get("x-forwarded-proto") == "https"


def cookie(connection: ASGIConnection[Any, Any, Any, Any], key: str, value: str, *,
           max_age: int = MAX_AGE_SECONDS) -> Cookie:
    return Cookie(key=key, value=value, path=PREFIX, httponly=True, samesite="strict", secure=behind_tls(connection),
                  max_age=max_age)


def page(request: Request[Any, Any, Any], template: str, user: ConsoleUser | None, *, status: int = 200,
         **context: Any) -> Template:
    """A full page: the template with the user, their navigation and the CSRF token every form carries."""
    return Template(template_name=template, status_code=status, headers=SECURITY_HEADERS, context={
        "user": user, "csrf_field": CSRF_FIELD, "csrf_token": user.csrf_token if user else "",
        "nav": navigation(user.role) if user else [], "path": request.url.path, **context})


def to(path: str) -> Redirect:
    """After a POST, the page that shows its result (303: the browser GETs it; reload does not resend)."""
    return Redirect(path=path, status_code=303, headers=SECURITY_HEADERS)


def console_error(request: Request[Any, Any, Any], exc: SaasError) -> Response[Any]:
    """A domain error as the console shows it; an expired or missing session sends a GET to sign-in."""
    if isinstance(exc, Unauthenticated) and request.method in SAFE_METHODS:
        why = "" if exc.detail == NOT_SIGNED_IN else f"&why={quote(exc.detail)}"
        return to(f"{PREFIX}/sign-in?next={quote(request.url.path)}{why}")
    user: ConsoleUser | None = request.state.get("console_user")
    return page(request, "error.html", user, status=status_of(exc), error=exc, status_code=status_of(exc))
