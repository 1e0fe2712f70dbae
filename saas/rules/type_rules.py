"""Typing judgements shared by the checker: what each operator accepts, and suggestions.

Kept apart from ``checker.py`` (which walks the tree) so each rule of the type system reads as one
small function with its own error message.
"""

from __future__ import annotations

from saas.rules.ast import Binary, Call, Literal, Node, Path
from saas.rules.errors import RuleTypeError, Span
from saas.rules.types import BOOL, LIST, NULL, STRUCT, DslType
from saas.suggestions import did_you_mean


def is_list_form(node: Call, root: DslType, element: DslType | None) -> bool:
    """``min(drivers, age)`` aggregates a list; ``min(a, b)`` compares values."""
    if len(node.args) != 2 or not isinstance(node.args[0], Path):
        return False
    first = node.args[0].parts[0]
    scope = element if element is not None and first in element.fields else root
    typ = scope.fields.get(first)
    return typ is not None and typ.kind == LIST and len(node.args[0].parts) == 1


def part_span(node: Path, index: int) -> Span:
    if not node.offsets:
        return node.span
    start = node.offsets[index]
    return Span(start, start + len(node.parts[index]))


def arity(node: Call, wanted: str) -> RuleTypeError:
    return RuleTypeError(f"wrong number of arguments: {node.name}() takes {wanted}, got {len(node.args)}", node.span)


def require(typ: DslType, kind: str, span: Span, where: str) -> None:
    if typ.kind != kind:
        raise RuleTypeError(f"{where} needs a {kind}, got {typ.describe()}", span)


def require_bool(typ: DslType, span: Span, where: str) -> None:
    require(typ, BOOL, span, where)
    if typ.optional:
        raise RuleTypeError(f"{where} needs a boolean that is never null, got {typ.describe()}", span)


def same_kind(left: DslType, right: DslType, span: Span, where: str) -> None:
    if NULL not in (left.kind, right.kind) and left.kind != right.kind:
        raise RuleTypeError(f"{where} compares {left.describe()} with {right.describe()}", span)


def comparable(left: DslType, right: DslType, node: Binary) -> None:
    same_kind(left, right, node.span, f"'{node.op}'")
    for this, other in ((left, right), (right, left)):
        if this.kind == NULL and not other.optional:
            raise RuleTypeError(f"comparison with null, but {other.describe()} is never null", node.span)
        if this.kind in (LIST, STRUCT):
            raise RuleTypeError(f"'{node.op}' cannot compare a {this.describe()}", node.span)
    check_choice(left, node.right)
    check_choice(right, node.left)


def check_choice(field_type: DslType, other: Node) -> None:
    """Comparing an enum field with a string it can never hold is a typo, not a false condition."""
    literal = isinstance(other, Literal) and other.kind == "string"
    if field_type.choices and literal and getattr(other, "value", None) not in field_type.choices:
        allowed = ", ".join(f'"{c}"' for c in field_type.choices)
        hint = did_you_mean(str(getattr(other, "value", "")), list(field_type.choices)) or f"allowed values: {allowed}"
        raise RuleTypeError(f"{getattr(other, 'value', '')!r} is not a possible value here", other.span, hint)
