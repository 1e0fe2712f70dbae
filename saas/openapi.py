"""The contract: every response each operation can give, documented from the rules that produce them.

The error responses of an operation follow from what it has, so they are derived here rather than
listed by hand on each route (where one would be forgotten): every ``/v1`` call needs a key (401),
a role (403) and the database (503); a path id can be unknown (404) or malformed (422); a body can be malformed
(400), too large (413) or invalid (422), and so can a query parameter (422); a call that spends
the tenant's quota can be refused (429). Routes add what is theirs alone through ``opt``
(``{"problems": (409,)}``), alternative media types and links with ``extended``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType

from saas.http_errors import Problem

PROBLEM_MEDIA = "application/problem+json"
WHEN: dict[int, str] = {
    400: "malformed-json: the body is not JSON, not UTF-8, or nested too deeply",
    401: "unauthenticated: no API key, a malformed header, or an unknown or revoked key",
    403: "forbidden: the key's role may not do this (checked before the request is read)",
    404: "not-found: no such id for the caller's tenant (another tenant's id answers the same)",
    409: "conflict: the rate version is in the wrong status for this step, or the date is taken",
    413: "payload-too-large: the body exceeds SAAS_MAX_BODY_BYTES, the bulk limit or a whole minute's quota",
    422: "validation-error (with the field path), rating-error or quote-declined",
    429: "rate-limited: the tenant's quota is spent for now; see Retry-After",
    503: "service-unavailable (the database cannot be reached) or model-error; see Retry-After",
}
SECURITY_SCHEMES: dict[str, SecurityScheme | Any] = {
    "BearerKey": SecurityScheme(type="http", scheme="bearer", bearer_format="rk_<key id>_<secret>",
                                description="Authorization: Bearer <API key>"),
    "ApiKeyHeader": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header",
                                   description="the same API key in the X-API-Key header"),
}
SECURITY: list[dict[str, list[str]]] = [{"BearerKey": []}, {"ApiKeyHeader": []}]
COMPONENTS = Components(security_schemes=SECURITY_SCHEMES)
SERVICE_NAMES = frozenset({"request", "principal", "db", "settings", "limiter", "metrics", "quotes", "risk_scores",
                           "decisions", "rate_versions", "trips", "content", "fairness"})
"""Handler arguments that are not client input (the request itself and injected parts)."""


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    return {status: ResponseSpec(data_container=Problem, media_type=PROBLEM_MEDIA, generate_examples=False,
                                 description=WHEN[status]) for status in sorted(statuses)}


def statuses_of(handler: HTTPRouteHandler) -> set[int]:
    """The error statuses ``handler`` can answer with, by the rules in the module docstring."""
    path = next(iter(handler.paths))
    found = {400, 401, 403, 503}
    if "{" in path:
        found |= {404, 422}
    if "body_schema" in (handler.dependencies or {}):
        found |= {400, 413, 422}
    parameters = set(handler.parsed_fn_signature.parameters)
    if parameters - SERVICE_NAMES - set(handler.dependencies or {}) - _path_names(path):
        found.add(422)
    if "limiter" in parameters:
        found |= {413, 429}
    return found | set(handler.opt.get("problems", ()))


def _path_names(path: str) -> set[str]:
    return {part.strip("{}").split(":")[0] for part in path.split("/") if part.startswith("{")}


def document(handlers: Iterable[Any]) -> None:
    """Give every ``/v1`` handler its problem responses and the API-key security requirement."""
    for handler in handlers:
        if not next(iter(handler.paths)).startswith("/v1/"):
            continue
        handler.responses = problems(*statuses_of(handler)) | dict(handler.responses or {})
        handler.security = SECURITY


def extended(status: int, *, media: dict[str, str] | None = None,
             links: dict[str, tuple[str, dict[str, str]]] | None = None,
             optional_body: bool = False) -> type[Operation]:
    """An operation class adding to the ``status`` response what Litestar cannot generate: more media
    types (media type → description, a string body each: ``format=csv``, ``format=text``) and
    links to the operations that take a value of this response (name → (operation id, parameter
    → runtime expression)), which clients and stateful contract tests follow. ``optional_body``: the
    request body may be left out (every field has a default), which Litestar cannot say."""

    @dataclass
    class Extended(Operation):
        def __post_init__(self) -> None:
            if optional_body and self.request_body is not None and not isinstance(self.request_body, Reference):
                self.request_body.required = False
            response = (self.responses or {}).get(str(status))
            if not isinstance(response, OpenAPIResponse):
                return
            for media_type, description in (media or {}).items():
                response.content = response.content or {}
                response.content[media_type] = OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=description))
            if links:
                response.links = {name: Link(operation_id=operation, parameters=dict(parameters))
                                  for name, (operation, parameters) in links.items()}

    return Extended
