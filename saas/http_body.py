"""Request bodies, read by the handler after the caller's role is checked, and decoded strictly.

Handlers do not declare a ``data`` parameter: Litestar would decode it before the handler runs,
leniently (``2021.0`` for an int), without noticing a duplicated key, and a caller without the
right would learn about validation before being refused. Instead a handler reads its body here,
and ``documented_body`` keeps the request schema and examples in the OpenAPI document.

Before msgspec decodes a body into its struct, the standard library parses it once to refuse what
msgspec would accept silently or crash on: a key given twice in one object (msgspec keeps the
last), invalid UTF-8 and nesting deep enough to exhaust the recursion limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request
from litestar.di import Provide
from litestar.openapi.spec import Example
from litestar.params import Body, PathParameter

from saas.errors import MalformedJson, ValidationFailed
from saas.http_errors import validation_problem

T = TypeVar("T")
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Every id a path carries (decision uuids, rate-version content hashes): refusing anything else at
the door keeps NUL bytes and 10 KB strings away from the database, where they were a 500."""
PathId = Annotated[str, PathParameter(pattern=ID_PATTERN, max_length=64, description="an id, as returned")]


class _Pairs(list[tuple[str, Any]]):
    """An object as parsed, duplicates kept, for locating the first duplicated key."""


class _DuplicateKey(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


def check_structure(raw: bytes) -> None:
    """Raise MalformedJson (400) for what is not JSON we read, ValidationFailed (422) for a duplicated key."""
    try:
        json.loads(raw, object_pairs_hook=_unique)
    except RecursionError:
        raise MalformedJson("request body is nested too deeply to be read") from None
    except UnicodeDecodeError as exc:
        raise MalformedJson(f"request body is not valid UTF-8 (byte {exc.start})") from None
    except _DuplicateKey:
        path, key = _first_duplicate(json.loads(raw, object_pairs_hook=_Pairs))
        raise ValidationFailed(f"key {key!r} appears more than once in one object", path=path) from None
    except ValueError as exc:
        raise MalformedJson(f"request body is not valid JSON: {exc}") from None


def _first_duplicate(tree: Any) -> tuple[str, str]:
    """The path of the first object holding a key twice, and that key (iterative: depth is unbounded)."""
    pending: list[tuple[str, Any]] = [("$", tree)]
    while pending:
        path, node = pending.pop(0)
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for key, value in node:
                if key in seen:
                    return f"{path}.{key}", key
                seen.add(key)
                pending.append((f"{path}.{key}", value))
        elif isinstance(node, list):
            pending.extend((f"{path}[{i}]", value) for i, value in enumerate(node))
    return "$", ""


def decode_body(raw: bytes, typ: type[T], *, prefix: str = "$") -> T:
    """``raw`` as a ``typ``; every failure is a located 400 or 422, never an exception of the parser."""
    check_structure(raw)
    return decode_checked(raw, typ, prefix=prefix)


def decode_checked(raw: bytes | msgspec.Raw, typ: type[T], *, prefix: str = "$") -> T:
    """Decode a body (or part of one) that ``check_structure`` already accepted."""
    try:
        return msgspec.json.decode(raw, type=typ)
    except msgspec.ValidationError as exc:
        problem = validation_problem(exc, prefix)
        raise ValidationFailed(problem.detail, path=problem.path) from None
    except (msgspec.DecodeError, RecursionError) as exc:
        raise MalformedJson(f"request body is not valid JSON: {exc}") from None


async def read_body(request: Request[Any, Any, Any], typ: type[T]) -> T:
    return decode_body(await request.body(), typ)


def documented_body(typ: type[Any], examples: Sequence[Example]) -> dict[str, Provide]:
    """Handler ``dependencies`` that document ``typ`` with ``examples`` as the request body.

    Litestar documents a body from a ``data`` parameter of the handler or of one of its
    dependencies; this dependency is never requested by the handler, so it is never called."""

    def body_schema(data: Any) -> None:
        raise AssertionError("documentation only")

    body_schema.__annotations__ = {"data": Annotated[typ, Body(examples=list(examples))], "return": None}
    return {"body_schema": Provide(body_schema, sync_to_thread=False)}
