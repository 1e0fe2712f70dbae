"""Every problem of a submitted rate table at once, each with its JSON path.

msgspec stops at the first error, so decoding a whole table would make a partner fix a rejected
draft one error per round trip. Instead the body is walked along the struct tree: each struct
field is decoded on its own (recursing into structs and lists of structs), and a struct's own
cross-field checks run once its fields are valid. Messages of those checks start with the
sub-path they concern (``age_bands[2].from: ...``, see ``saas.rating.checks``), which is moved
into the path.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec

from saas.errors import ValidationFailed
from saas.rating.schemas import RateTableSpec

Problem = dict[str, str]
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_SUB_PATH = re.compile(r"^(?P<sub>[A-Za-z_]+(?:\[\d+\])*(?:\.[A-Za-z_0-9]+(?:\[\d+\])*)*): ")


def problems(raw: Any, typ: Any, path: str) -> list[Problem]:
    """Every problem of ``raw`` as a ``typ``, with paths under ``path``."""
    struct = _struct_of(typ)
    if struct is not None and isinstance(raw, dict):
        return _struct_problems(raw, struct, path)
    item = _list_item_struct(typ)
    if item is not None and isinstance(raw, list):
        found = [p for index, each in enumerate(raw) for p in problems(each, item, f"{path}[{index}]")]
        return found or _convert(raw, typ, path)
    return _convert(raw, typ, path)


def _struct_problems(raw: dict[str, Any], struct: type[msgspec.Struct], path: str) -> list[Problem]:
    fields = {f.encode_name: f for f in msgspec.structs.fields(struct)}
    found = [{"path": f"{path}.{key}", "detail": f"unknown field '{key}'"} for key in raw if key not in fields]
    for name, field in fields.items():
        if name in raw:
            found += problems(raw[name], field.type, f"{path}.{name}")
        elif field.required:
            found.append({"path": f"{path}.{name}", "detail": f"missing required field '{name}'"})
    return found or _convert(raw, struct, path)


def _convert(raw: Any, typ: Any, path: str) -> list[Problem]:
    try:
        msgspec.convert(raw, typ, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _AT.search(text)
        where = path + (match.group("path") if match else "")
        detail = _AT.sub("", text)
        sub = _SUB_PATH.match(detail)
        if sub:
            where, detail = f"{where}.{sub.group('sub')}", detail[sub.end():]
        return [{"path": where, "detail": detail}]
    return []


def _struct_of(typ: Any) -> type[msgspec.Struct] | None:
    typ = _strip(typ)
    return typ if isinstance(typ, type) and issubclass(typ, msgspec.Struct) else None


def _list_item_struct(typ: Any) -> type[msgspec.Struct] | None:
    typ = _strip(typ)
    if typing.get_origin(typ) is list:
        (item,) = typing.get_args(typ)
        return _struct_of(item)
    return None


def _strip(typ: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` → X (None is then a type error msgspec reports)."""
    if typing.get_origin(typ) is typing.Annotated:
        typ = typing.get_args(typ)[0]
    args = [a for a in typing.get_args(typ) if a is not type(None)]
    if typing.get_origin(typ) in (typing.Union, __import__("types").UnionType) and len(args) == 1:
        return _strip(args[0])
    return typ


def decode_table(raw: Any, path: str = "$.table") -> RateTableSpec:
    """The table, or ValidationFailed listing every problem found."""
    found = problems(raw, RateTableSpec, path)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ValidationFailed(f"{first['detail']}{more}", path=first["path"], errors=found)
    return msgspec.convert(raw, RateTableSpec, strict=False)
