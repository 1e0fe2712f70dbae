"""The one place where domain errors become HTTP responses.

Every error body has the same shape (RFC 9457 problem details): a stable ``type`` that clients can
switch on, a ``title``, a human ``detail``, the ``status`` and, where known, the field ``path``.
Litestar's own client errors (malformed JSON, body too large, unknown route) are reshaped here too
so insurer systems never see two error formats.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy import exc as sa_exc

from saas import errors

log = logging.getLogger("saas.http")

STATUS: dict[type[errors.SaasError], int] = {
    errors.ValidationFailed: 422,
    errors.NotFound: 404,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.RateLimited: 429,
    errors.PayloadTooLarge: 413,
    errors.QuoteDeclined: 422,
    errors.RatingError: 422,
    errors.ConfigError: 422,
    errors.ModelError: 503,
    errors.MalformedJson: 400,
    errors.Unavailable: 503,
}
RETRY_AFTER: dict[type[errors.SaasError], str] = {errors.RateLimited: "1", errors.Unavailable: "1"}
"""Errors a client should simply retry, and after how many seconds."""

_LITESTAR_TYPES = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 413: "payload-too-large",
                   401: "unauthenticated", 403: "forbidden", 429: "rate-limited"}
_TITLES = {cls.type: cls.title for cls in STATUS}
"""One title per type (RFC 9457: it does not change between occurrences), whoever raised the error."""
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    path: str | None = None
    errors: list[dict[str, Any]] | None = None
    rule_id: str | None = None
    cite: str | None = None
    decision_id: str | None = None


def status_of(exc: errors.SaasError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem_of(exc: errors.SaasError) -> Problem:
    """The problem body for a domain error; also used for per-item errors in bulk responses."""
    problem = Problem(type=exc.type, title=exc.title, status=status_of(exc), detail=exc.detail, path=exc.path)
    if isinstance(exc, errors.QuoteDeclined):
        problem.rule_id, problem.cite, problem.decision_id = exc.rule_id, exc.cite, exc.decision_id
    if isinstance(exc, errors.ValidationFailed) and exc.errors:
        problem.errors = list(exc.errors)
    if isinstance(exc, errors.ConfigError):
        problem.errors = [located(issue) for issue in exc.issues]
    return problem


def located(issue: errors.ConfigIssue) -> dict[str, Any]:
    """One problem of an uploaded file: line and column in the text as sent, the JSON path, the
    offending line with a caret under the column, and the "did you mean" when there is one."""
    out: dict[str, Any] = {"detail": issue.message}
    if issue.path:
        out["path"] = issue.path
    if issue.location is not None:
        out.update(line=issue.location.line, col=issue.location.col)
        if issue.location.source_line:
            out.update(source=issue.location.source_line, caret=issue.location.caret())
    if issue.hint:
        out["hint"] = issue.hint
    return out


def validation_problem(exc: msgspec.ValidationError | msgspec.DecodeError, prefix: str = "$") -> Problem:
    """A msgspec decoding error as a problem, with the JSON path split out of the message."""
    text = str(exc)
    match = _AT.search(text)
    path = prefix + (match.group("path") if match else "")
    field = errors.FIELD_MARK.match(text)
    if field:
        text, path = text[field.end():], f"{path}.{field.group('field')}"
    kind = "validation-error" if isinstance(exc, msgspec.ValidationError) else "malformed-json"
    title = "Invalid input" if kind == "validation-error" else "Malformed JSON"
    return Problem(type=kind, title=title, status=422 if kind == "validation-error" else 400,
                   detail=_AT.sub("", text), path=path)


def _respond(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(msgspec.json.encode(problem), status_code=problem.status,
                    media_type="application/problem+json", headers=headers)


def domain_error_handler(_: Request[Any, Any, Any], exc: errors.SaasError) -> Response[bytes]:
    retry = next((RETRY_AFTER[cls] for cls in type(exc).__mro__ if cls in RETRY_AFTER), None)
    return _respond(problem_of(exc), {"Retry-After": retry} if retry else None)


def validation_error_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    """Litestar's parameter validation: keep each field path it names, by the name the client sent."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    first = extra[0] if extra else {}
    message = str(first.get("message", exc.detail))
    match = _AT.search(message)
    key = _wire_name(request, first.get("key"))
    path = "$" + match.group("path") if match else (f"$.{key}" if key and key != "data" else None)
    return _respond(Problem(type="validation-error", title="Invalid input", status=422,
                            detail=_AT.sub("", message), path=path,
                            errors=[{k: str(v) for k, v in e.items()} for e in extra] or None))


def _wire_name(request: Request[Any, Any, Any], key: Any) -> Any:
    """A query parameter's name in the URL (``from``) rather than the handler's argument (``start``)."""
    field = request.route_handler.parsed_fn_signature.parameters.get(key) if isinstance(key, str) else None
    definition = getattr(field, "kwarg_definition", None)
    alias = getattr(definition, "query", None) or getattr(definition, "name", None)
    return alias or key


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status, detail = exc.status_code, str(exc.detail)
    kind = _LITESTAR_TYPES.get(status, "http-error")
    if status == 400 and _caused_by(exc, msgspec.DecodeError):
        kind, detail = "malformed-json", f"request body is not valid JSON: {detail}"
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in {"allow", "retry-after"}}
    return _respond(Problem(type=kind, title=_TITLES.get(kind, detail[:80]), status=status, detail=detail),
                    headers or None)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unavailable_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The database (or the network to it) failed: 503 and a retry hint when the failure is one of
    reaching it, a logged 500 otherwise (a constraint violation is a bug, not an outage)."""
    if not unreachable(exc):
        return internal_error_handler(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return domain_error_handler(request, errors.Unavailable("the database is unavailable; retry shortly"))


_UNREACHABLE = ("ConnectionError", "ConnectionDoesNotExistError", "CannotConnectNowError", "AdminShutdownError",
                "InterfaceError", "TooManyConnectionsError", "PostgresConnectionError", "InternalClientError")
"""asyncpg's names for a server that is gone, starting, stopping or out of connections."""


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now (as opposed to refusing a statement)."""
    if isinstance(exc, OSError | TimeoutError | sa_exc.TimeoutError | sa_exc.OperationalError
                  | sa_exc.InterfaceError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        seen: BaseException | None = exc.orig
        while seen is not None:  # SQLAlchemy's adapter wraps asyncpg's exception as its cause
            if isinstance(seen, OSError) or any(cls.__name__ in _UNREACHABLE for cls in type(seen).__mro__):
                return True
            seen = seen.__cause__
    return False


CLIENT_GONE = "client disconnected prematurely"
"""What Litestar raises (as a 500) when the client hangs up before its body has arrived."""


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, HTTPException) and exc.detail == CLIENT_GONE:
        # not our error and nobody to answer: a load generator stopping mid-request, a dropped
        # phone. Counted as a 400 (the request never arrived whole), never logged as a 500.
        log.info("client disconnected before its body arrived on %s %s", request.method, request.url.path)
        return _respond(Problem(type="client-disconnected", title="Client disconnected", status=400,
                                detail="the client closed the connection before sending the whole body"))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(Problem(type="internal-error", title="Internal error", status=HTTP_500_INTERNAL_SERVER_ERROR,
                            detail="an unexpected error occurred; it has been logged"))


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    errors.SaasError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    sa_exc.SQLAlchemyError: unavailable_error_handler,
    OSError: unavailable_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}
