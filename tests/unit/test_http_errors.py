"""Domain and framework errors as problem+json: statuses, stable types, paths, and no leaked internals."""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.exceptions import InternalServerException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.testing import TestClient

from saas import errors
from saas.http_errors import EXCEPTION_HANDLERS, STATUS, problem_of, status_of, validation_problem
from saas.quote.schemas import Quote
from saas.rating.routes import EXAMPLE_QUOTE

pytestmark = pytest.mark.unit

ISSUE = errors.ConfigIssue("unknown factor 'colour'", errors.Location("tenants/x.yaml", 3, 5), "$.pricing")
CASES: list[tuple[errors.SaasError, int, str, str]] = [
    (errors.ValidationFailed("bad limit", path="$.limit"), 422, "validation-error", "Invalid input"),
    (errors.NotFound("decision d-1 not found", path="$.id"), 404, "not-found", "Not found"),
    (errors.Unauthenticated("missing API key", path="$.headers.authorization"), 401, "unauthenticated",
     "Missing or invalid API key"),
    (errors.Forbidden("role rating may not replay", path="$.role"), 403, "forbidden", "Role not allowed"),
    (errors.Conflict("already recorded", path="$.decision_id"), 409, "conflict", "Conflict"),
    (errors.RateLimited("quota spent", path="$.quotes"), 429, "rate-limited", "Too many requests"),
    (errors.PayloadTooLarge("10001 quotes", path="$.quotes"), 413, "payload-too-large", "Payload too large"),
    (errors.QuoteDeclined("PIP required", rule_id="fl-pip", cite="Fla. Stat. 627.736"), 422, "quote-declined",
     "Quote declined"),
    (errors.RatingError("tenant does not serve FL", path="$.policy.state"), 422, "rating-error", "Cannot rate"),
    (errors.ConfigError([ISSUE]), 422, "config-error", "Invalid configuration"),
    (errors.ModelError("no model artifacts", path="$.model"), 503, "model-error", "Model unavailable"),
    (errors.MalformedJson("body is not JSON", path="$"), 400, "malformed-json", "Malformed JSON"),
    (errors.Unavailable("database unreachable", path="$"), 503, "service-unavailable", "Service unavailable"),
]
BY_NAME = {type(exc).__name__: exc for exc, *_ in CASES}


def test_every_domain_error_class_has_a_status_and_a_case_here() -> None:
    classes = {cls for _, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, errors.SaasError) and cls is not errors.SaasError}
    assert classes == set(STATUS) == {type(exc) for exc, *_ in CASES}


@pytest.mark.parametrize(("exc", "status", "kind", "title"), CASES, ids=list(BY_NAME))
def test_problem_of_a_domain_error(exc: errors.SaasError, status: int, kind: str, title: str) -> None:
    problem = problem_of(exc)
    assert (problem.status, problem.type, problem.title, problem.detail, problem.path) == \
        (status, kind, title, exc.detail, exc.path)
    body = msgspec.json.decode(msgspec.json.encode(problem))
    assert set(body) == {"type", "title", "status", "detail"} | ({"path"} if exc.path else set()) \
        | ({"rule_id", "cite"} if kind == "quote-declined" else set()) \
        | ({"errors"} if kind == "config-error" else set())
    if isinstance(exc, errors.ConfigError):  # every located issue, line and column as numbers
        assert body["errors"] == [{"detail": i.message, **({"path": i.path} if i.path else {}),
                                   **({"line": i.location.line, "col": i.location.col} if i.location else {}),
                                   **({"hint": i.hint} if i.hint else {})} | _caret(i) for i in exc.issues]


def _caret(issue: errors.ConfigIssue) -> dict[str, str]:
    if issue.location is None or not issue.location.source_line:
        return {}
    return {"source": issue.location.source_line, "caret": issue.location.caret()}


def test_declines_and_config_errors_carry_their_specifics() -> None:
    declined = problem_of(BY_NAME["QuoteDeclined"])
    assert (declined.rule_id, declined.cite, declined.path) == ("fl-pip", "Fla. Stat. 627.736", None)
    config = problem_of(BY_NAME["ConfigError"])
    assert config.detail == "tenants/x.yaml:3:5: error: unknown factor 'colour' (at $.pricing)"


def test_status_follows_the_class_hierarchy() -> None:
    class StaleDecision(errors.NotFound):
        type = "stale-decision"

    assert status_of(StaleDecision("gone")) == 404 and problem_of(StaleDecision("gone")).type == "stale-decision"
    assert (status_of(errors.SaasError("odd")), problem_of(errors.SaasError("odd")).type) == (400, "error")


def decode_error(raw: bytes) -> msgspec.ValidationError | msgspec.DecodeError:
    try:
        msgspec.json.decode(raw, type=Quote)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return exc
    raise AssertionError("decoded")


def quote_with(section: str, field: str, value: Any) -> bytes:
    body = copy.deepcopy(EXAMPLE_QUOTE)
    target = body[section][0] if section == "drivers" else body[section]
    target[field] = value
    return msgspec.json.encode(body)


@pytest.mark.parametrize(("raw", "kind", "status", "detail", "path"), [
    (quote_with("policy", "state", 5), "validation-error", 422, "Expected `str`, got `int`", ".policy.state"),
    (quote_with("drivers", "age", 3), "validation-error", 422, "Expected `int` >= 14", ".drivers[0].age"),
    (quote_with("policy", "colour", "red"), "validation-error", 422, "Object contains unknown field `colour`",
     ".policy"),
    (b"[]", "validation-error", 422, "Expected `object`, got `array`", ""),
    (b'{"policy": ', "malformed-json", 400, "Input data was truncated", ""),
])
@pytest.mark.parametrize("prefix", ["$", "$.quotes[7]"])
def test_msgspec_errors_become_problems_with_paths(raw: bytes, kind: str, status: int, detail: str, path: str,
                                                   prefix: str) -> None:
    problem = validation_problem(decode_error(raw), prefix) if prefix != "$" else validation_problem(decode_error(raw))
    assert (problem.type, problem.status, problem.detail, problem.path) == (kind, status, detail, prefix + path)
    assert problem.title == ("Invalid input" if status == 422 else "Malformed JSON")


@get("/raise/{name:str}")
async def raise_domain_error(name: FromPath[str]) -> None:
    raise BY_NAME[name]


@get("/crash")
async def crash() -> None:
    raise RuntimeError("postgresql://rating:hunter2@db/prod is down")


@get("/internal")
async def internal() -> None:
    raise InternalServerException(detail="hunter2 leaked through an HTTPException")


@post("/quotes")
async def take_quote(data: JSONBody[Quote], explain: FromQuery[bool] = True) -> dict[str, bool]:
    return {"explain": explain}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    app = Litestar([raise_domain_error, crash, internal, take_quote], exception_handlers=EXCEPTION_HANDLERS,
                   request_max_body_size=4096, debug=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(("exc", "status", "kind", "title"), CASES, ids=list(BY_NAME))
def test_a_raised_domain_error_is_a_problem_response(client: TestClient[Litestar], exc: errors.SaasError,
                                                     status: int, kind: str, title: str) -> None:
    response = client.get(f"/raise/{type(exc).__name__}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == msgspec.to_builtins(problem_of(exc))
    assert ("retry-after" in response.headers) is (kind in {"rate-limited", "service-unavailable"})


@pytest.mark.parametrize("route", ["/crash", "/internal"])
def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(client: TestClient[Litestar], route: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="saas.http"):
        response = client.get(route)
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "internal-error", "title": "Internal error", "status": 500,
                               "detail": "an unexpected error occurred; it has been logged"}
    assert "hunter2" not in response.text
    assert any(r.name == "saas.http" and f"GET {route}" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("send", "status", "body"), [
    ({"json": {**EXAMPLE_QUOTE, "policy": {**EXAMPLE_QUOTE["policy"], "state": 5}}}, 422,
     {"type": "validation-error", "detail": "Expected `str`, got `int`", "path": "$.policy.state"}),
    ({"content": quote_with("drivers", "age", 3)}, 422,
     {"type": "validation-error", "detail": "Expected `int` >= 14", "path": "$.drivers[0].age"}),
    ({"json": EXAMPLE_QUOTE, "params": {"explain": "maybe"}}, 422,
     {"type": "validation-error", "detail": "Expected `bool`, got `str`", "path": "$.explain"}),
    ({"content": b'{"policy": '}, 400, {"type": "malformed-json", "title": "Malformed JSON"}),
    ({"content": b" " * 5000}, 413, {"type": "payload-too-large", "title": "Payload too large"}),
])
def test_framework_errors_use_the_same_problem_shape(client: TestClient[Litestar], send: dict[str, Any],
                                                     status: int, body: dict[str, Any]) -> None:
    response = client.post("/quotes", headers={"content-type": "application/json"}, **send)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem | body == problem


@pytest.mark.parametrize(("method", "path", "status", "kind", "title"), [
    ("GET", "/no-such-route", 404, "not-found", "Not found"),
    ("GET", "/quotes", 405, "method-not-allowed", "Method Not Allowed"),
])
def test_routing_errors_are_problems(client: TestClient[Litestar], method: str, path: str, status: int, kind: str,
                                     title: str) -> None:
    response = client.request(method, path)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    assert (response.json()["type"], response.json()["title"]) == (kind, title)
    assert set((response.headers.get("allow") or "").replace(" ", "").split(",")) == \
        ({"POST", "OPTIONS"} if status == 405 else {""})


def test_a_database_that_is_shutting_down_is_unreachable_not_a_bug() -> None:
    from asyncpg.exceptions import CannotConnectNowError
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from saas.http_errors import unreachable

    adapter_error = RuntimeError("the database system is shutting down")
    adapter_error.__cause__ = CannotConnectNowError("the database system is shutting down")
    assert unreachable(DBAPIError("connect", None, adapter_error))
    assert unreachable(ConnectionRefusedError(111, "refused"))
    assert not unreachable(IntegrityError("insert", None, RuntimeError("duplicate key")))


async def test_a_client_that_hangs_up_mid_body_is_not_a_500(caplog: pytest.LogCaptureFixture) -> None:
    """Straight through the ASGI interface, as uvicorn delivers it: part of a body, then the
    disconnect. It is counted as the client's (400 ``client-disconnected``), never logged as our error."""
    # logging_config=None: Litestar's default configures logging at start-up, past caplog's handler
    app = Litestar([take_quote], exception_handlers=EXCEPTION_HANDLERS, debug=False, logging_config=None)
    events: list[dict[str, Any]] = [{"type": "http.request", "body": b'{"policy": {"sta', "more_body": True},
                                    {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return events.pop(0) if events else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/quotes", "raw_path": b"/quotes", "root_path": "", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"4000")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}
    with caplog.at_level(logging.INFO, logger="saas.http"):
        await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 400 and msgspec.json.decode(body)["type"] == "client-disconnected"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records
    assert any("client disconnected before its body arrived on POST /quotes" in r.getMessage()

               for r in caplog.records)
