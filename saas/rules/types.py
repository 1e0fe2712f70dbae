"""The DSL's types, derived from ``saas.quote.schemas.Quote`` by ``msgspec.inspect``.

Never a hand-kept copy: a field added to the quote schema is readable by rules the moment it
exists, and a renamed one turns every rule that reads it into a load error with a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec

from saas.quote.schemas import Quote

NUMBER, STRING, BOOL, DATE, NULL, LIST, STRUCT = "number", "string", "bool", "date", "null", "list", "struct"


@dataclass(frozen=True)
class DslType:
    """One type of the language; ``optional`` marks values that may be absent (None)."""

    kind: str
    optional: bool = False
    name: str = ""
    """Struct name (``Driver``) for structs and lists, for messages."""
    read_as: str = ""
    """How a number is stored in the quote: ``int``, ``float`` (read as Decimal) or ``decimal``."""
    choices: tuple[str, ...] = ()
    """Allowed values of a ``Literal[...]`` string field: comparing to anything else is an error."""
    fields: dict[str, DslType] = field(default_factory=dict, compare=False, hash=False)
    element: DslType | None = None

    def describe(self) -> str:
        base = {LIST: f"list of {self.element.name if self.element else '?'}", STRUCT: f"{self.name} record"}
        text = base.get(self.kind, self.kind)
        return f"optional {text}" if self.optional else text

    def as_optional(self, optional: bool = True) -> DslType:
        if optional == self.optional:
            return self
        return DslType(self.kind, optional, self.name, self.read_as, self.choices, self.fields, self.element)


BOOL_T = DslType(BOOL)
NUMBER_T = DslType(NUMBER, read_as="decimal")
STRING_T = DslType(STRING)
DATE_T = DslType(DATE)
NULL_T = DslType(NULL, optional=True)


@cache
def quote_type() -> DslType:
    """The root record every ``when`` expression reads from."""
    return _from_info(msgspec.inspect.type_info(Quote))


def _from_info(info: Any) -> DslType:
    if isinstance(info, msgspec.inspect.Metadata):
        return _from_info(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        present = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(present) != 1:
            raise TypeError(f"the DSL cannot type a union of {present}")
        return _from_info(present[0]).as_optional(len(present) != len(info.types))
    if isinstance(info, msgspec.inspect.StructType):
        fields = {f.name: _from_info(f.type) for f in info.fields}
        return DslType(STRUCT, name=info.cls.__name__, fields=fields)
    if isinstance(info, msgspec.inspect.ListType):
        element = _from_info(info.item_type)
        return DslType(LIST, name=element.name, element=element)
    return _scalar(info)


def _scalar(info: Any) -> DslType:
    inspect = msgspec.inspect
    if isinstance(info, inspect.BoolType):
        return BOOL_T
    if isinstance(info, inspect.IntType):
        return DslType(NUMBER, read_as="int")
    if isinstance(info, inspect.FloatType):
        return DslType(NUMBER, read_as="float")
    if isinstance(info, inspect.DecimalType):
        return NUMBER_T
    if isinstance(info, inspect.StrType):
        return STRING_T
    if isinstance(info, inspect.LiteralType) and all(isinstance(v, str) for v in info.values):
        return DslType(STRING, choices=tuple(str(v) for v in info.values))
    if isinstance(info, inspect.DateType):
        return DATE_T
    raise TypeError(f"the DSL has no type for quote field type {info!r}")
