"""A rate table edited as YAML in the browser: parsed safely, every problem placed at its line.

The text goes through the same composer as the shipped files (``saas.yamlio``: no aliases, size
limit, located syntax errors) and the same field-by-field validation as the API's drafts
(``saas.rates.validation``), so the console cannot accept a table the API would refuse. Each
problem's JSON path is mapped back to the line and column it came from, with the line itself and,
for an unknown field, the nearest known one.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

import msgspec
import yaml
from msgspec import Struct

from saas.errors import ConfigError, ValidationFailed
from saas.rates.validation import decode_table
from saas.rating.schemas import RateTableSpec
from saas.suggestions import did_you_mean
from saas.yamlio import SourceMap, compose

FILE = "rate-table.yaml"


class LineProblem(Struct, frozen=True):
    line: int
    col: int
    path: str
    message: str
    source: str
    suggestion: str | None = None


class _TableDumper(yaml.SafeDumper):
    """Decimals written as the numbers they are (``1.12``, not ``'1.12'``), as in the shipped files."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = str(value)
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_TableDumper.add_representer(Decimal, _decimal)


def _without_nulls(value: Any) -> Any:
    """Unset optional fields are left out, as a person writes the file."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def table_yaml(content: str) -> str:
    """A stored version's table as YAML in its own field order (what the editor starts from), small
    entries in flow style (``{from: 0, to: 2, factor: 1.12}``) like the shipped files."""
    spec = msgspec.json.decode(content, type=RateTableSpec)
    plain = _without_nulls(msgspec.to_builtins(spec, builtin_types=(Decimal, dt.date)))
    return yaml.dump(plain, Dumper=_TableDumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=None)


def parse_table(text: str) -> tuple[RateTableSpec | None, list[LineProblem]]:
    """The table, or every problem with its line, column, message and suggestion."""
    try:
        raw, smap = compose(text, FILE)
    except ConfigError as exc:
        return None, [LineProblem(i.location.line if i.location else 1, i.location.col if i.location else 1, "$",
                                  i.message, i.location.source_line if i.location else "", i.hint)
                      for i in exc.issues]
    try:
        return decode_table(raw, path="$"), []
    except ValidationFailed as exc:
        found = exc.errors or [{"path": exc.path or "$", "detail": exc.detail}]
        return None, [_placed(problem, smap) for problem in found]


def _placed(problem: dict[str, str], smap: SourceMap) -> LineProblem:
    path, detail = problem["path"], problem["detail"]
    unknown = detail.startswith("unknown field '")
    location = smap.location(path, key=unknown)
    suggestion = None
    if unknown:
        name = detail.split("'")[1]
        suggestion = did_you_mean(name, _fields_at(path.rsplit(".", 1)[0]))
    return LineProblem(location.line, location.col, path, detail, location.source_line, suggestion)


def _fields_at(path: str) -> list[str]:
    """The field names the struct at ``path`` (``$.territories.areas[0]``) accepts."""
    typ: Any = RateTableSpec
    for part in path.removeprefix("$").strip(".").split("."):
        if not part:
            continue
        name = part.split("[")[0]
        fields = {f.encode_name: f.type for f in msgspec.structs.fields(typ)} if _is_struct(typ) else {}
        typ = _inner(fields.get(name))
        if "[" in part:
            typ = _inner(typing.get_args(typ)[0]) if typing.get_args(typ) else None
    return [f.encode_name for f in msgspec.structs.fields(typ)] if _is_struct(typ) else []


def _inner(typ: Any) -> Any:
    if typing.get_origin(typ) is typing.Annotated:
        typ = typing.get_args(typ)[0]
    args = [a for a in typing.get_args(typ) if a is not type(None)]
    return args[0] if typing.get_origin(typ) in (typing.Union, __import__("types").UnionType) and args else typ


def _is_struct(typ: Any) -> bool:
    return isinstance(typ, type) and issubclass(typ, msgspec.Struct)
