"""Sign-in and sign-out pages: an API key in, a server-side session cookie out.

The sign-in form has no session yet, so its CSRF token is a random value set in a SameSite=Strict,
HttpOnly cookie and repeated in the form (double submit): another site can neither read the cookie
nor make the browser send it. A wrong key answers 401 with the form again, never which part was wrong.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from saas.console.web import (
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    check_csrf,
    cookie,
    page,
    sessions_of,
    to,
    user_of,
)
from saas.errors import Forbidden, Unauthenticated

SIGN_IN_TOKEN_SECONDS = 3600


def safe_next(target: str | None) -> str:
    """Only a console path (never another site, nor ``//host``) may be where sign-in returns to."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


def _form(request: Request[Any, Any, Any], *, status: int = 200, error: str | None = None,
          next_path: str = PREFIX) -> Template:
    token = secrets.token_urlsafe(32)
    response = page(request, "sign_in.html", None, status=status, error=error, signin_token=token,
                    next_path=next_path, why=request.query_params.get("why"))
    response.cookies.append(cookie(request, SIGN_IN_COOKIE, token, max_age=SIGN_IN_TOKEN_SECONDS))
    return response


@get("/sign-in", name="console-sign-in", sync_to_thread=False, include_in_schema=False)
def sign_in_form(request: Request[Any, Any, Any]) -> Template:
    return _form(request, next_path=safe_next(request.query_params.get("next")))


@post("/sign-in", status_code=303, include_in_schema=False)
async def sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    """Check the form's token against its cookie, then exchange the key for a session."""
    expected = request.cookies.get(SIGN_IN_COOKIE)
    form = await request.form()
    if not expected:
        raise Forbidden("the sign-in form's CSRF token is missing: reload the sign-in page")
    await check_csrf(request, expected)
    next_path = safe_next(form.get("next"))
    try:
        token, _ = await sessions_of(request).open(str(form.get("api_key") or ""))
    except Unauthenticated:
        return _form(request, status=401, error="That key is not valid, or it has been revoked.", next_path=next_path)
    response = to(next_path)
    response.cookies.append(cookie(request, SESSION_COOKIE, token))
    response.cookies.append(cookie(request, SIGN_IN_COOKIE, "", max_age=0))
    return response


@get("/sign-in/link/{token:str}", include_in_schema=False)
async def sign_in_link(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """A one-time sign-in link (``saas demo`` prints them): its session is swapped for a fresh one,
    so the printed URL is worthless once used, and it expires like any idle session."""
    try:
        fresh, _ = await sessions_of(request).exchange(token)
    except Unauthenticated:
        return _form(request, status=401, error="This sign-in link has been used or has expired: paste a key.")
    response = to(PREFIX)
    response.cookies.append(cookie(request, SESSION_COOKIE, fresh))
    return response


@post("/sign-out", status_code=303, include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any]) -> Response[Any]:
    """Delete the session (so a copied cookie is worthless) and the cookie."""
    user = await user_of(request)
    await check_csrf(request, user.csrf_token)
    token = request.cookies.get(SESSION_COOKIE, "")
    await sessions_of(request).close(token)
    response = to(f"{PREFIX}/sign-in")
    response.cookies.append(cookie(request, SESSION_COOKIE, "", max_age=0))
    return response


ROUTES = [sign_in_form, sign_in, sign_in_link, sign_out]
