"""Phase 3: type-check an AST against the quote schema before anything runs.

Every mistake a partner admin can make in a condition (unknown field, comparing a number with a
string, a misspelt enum value, wrong arity) surfaces here at load time with a suggestion, so a
loaded ruleset can only fail at rating time on data-dependent arithmetic (division by zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from saas.rules.ast import ARITHMETIC, COMPARISONS, Binary, Call, IsNull, Literal, Membership, Node, Path, Unary
from saas.rules.errors import RuleTypeError, Span
from saas.rules.type_rules import (
    arity,
    check_choice,
    comparable,
    is_list_form,
    part_span,
    require,
    require_bool,
    same_kind,
)
from saas.rules.types import (
    BOOL,
    BOOL_T,
    DATE,
    LIST,
    NULL,
    NULL_T,
    NUMBER,
    NUMBER_T,
    STRING,
    STRUCT,
    DslType,
    quote_type,
)
from saas.suggestions import did_you_mean

QUANTIFIERS = frozenset({"any", "all", "count"})
AGGREGATES = frozenset({"min", "max"})
FUNCTIONS = ("any", "all", "count", "min", "max", "exists", "date")
_LITERAL_TYPES = {"number": NUMBER_T, "string": DslType(STRING), "bool": BOOL_T, "date": DslType(DATE), "null": NULL_T}


@dataclass(frozen=True)
class Resolved:
    """Where a path reads from: the quote root or the current list element, and the attributes."""

    scope: str
    attrs: tuple[str, ...]
    nullable_steps: tuple[bool, ...]
    """For each attribute, whether its value may be None (so the getter must stop there)."""
    leaf: DslType


@dataclass
class Checked:
    """The checker's findings, keyed by ``id(node)``: what the compiler needs and nothing else."""

    types: dict[int, DslType] = field(default_factory=dict)
    paths: dict[int, Resolved] = field(default_factory=dict)


def check_condition(tree: Node) -> Checked:
    """Check a ``when`` expression: it must be a boolean that is never null."""
    checker = _Checker()
    result = checker.infer(tree, None)
    if result.kind != BOOL or result.optional:
        raise RuleTypeError(f"a condition must be a boolean, got {result.describe()}", tree.span)
    return checker.checked


class _Checker:
    def __init__(self) -> None:
        self.checked = Checked()
        self.root = quote_type()

    def infer(self, node: Node, element: DslType | None) -> DslType:
        result = self._infer(node, element)
        self.checked.types[id(node)] = result
        return result

    def _infer(self, node: Node, element: DslType | None) -> DslType:
        if isinstance(node, Literal):
            return _LITERAL_TYPES[node.kind]
        if isinstance(node, Path):
            return self.path(node, element)
        if isinstance(node, Unary):
            return self.unary(node, element)
        if isinstance(node, Binary):
            return self.binary(node, element)
        if isinstance(node, Membership):
            return self.membership(node, element)
        if isinstance(node, IsNull):
            if not self.value_or_record(node.operand, element).optional:
                raise RuleTypeError("'is null' on a value that is never null", node.operand.span)
            return BOOL_T
        assert isinstance(node, Call)
        return self.call(node, element)

    def value_or_record(self, node: Node, element: DslType | None) -> DslType:
        """Where a whole record may stand: ``telematics is null``, ``exists(telematics)``."""
        if not isinstance(node, Path):
            return self.infer(node, element)
        found = self.path(node, element, records=True)
        self.checked.types[id(node)] = found
        return found

    def path(self, node: Path, element: DslType | None, *, records: bool = False) -> DslType:
        first = node.parts[0]
        scope = "element" if element is not None and first in element.fields else "root"
        current = element if scope == "element" else self.root
        assert current is not None
        nullable: list[bool] = []
        optional = False
        for index, part in enumerate(node.parts):
            if current.kind != STRUCT:
                at = part_span(node, index)
                raise RuleTypeError(f"'{'.'.join(node.parts[:index])}' is a {current.describe()}, it has no fields", at)
            if part not in current.fields:
                raise self.unknown_field(node, index, current, element)
            current = current.fields[part]
            nullable.append(current.optional)
            optional = optional or current.optional
        if current.kind == STRUCT and not records:
            known = ", ".join(current.fields)
            raise RuleTypeError(f"'{'.'.join(node.parts)}' is a record; read one of its fields: {known}", node.span)
        leaf = current.as_optional(optional)
        self.checked.paths[id(node)] = Resolved(scope, node.parts, tuple(nullable), leaf)
        return leaf

    def unknown_field(self, node: Path, index: int, record: DslType, element: DslType | None) -> RuleTypeError:
        known = list(record.fields)
        if index == 0 and element is not None:
            known = list(element.fields) + known
        name = node.parts[index]
        where = "" if index == 0 else f" in {record.name}"
        return RuleTypeError(f"unknown field '{name}'{where}", part_span(node, index), did_you_mean(name, known))

    def unary(self, node: Unary, element: DslType | None) -> DslType:
        operand = self.infer(node.operand, element)
        if node.op == "not":
            require_bool(operand, node.operand.span, "'not'")
            return BOOL_T
        require(operand, NUMBER, node.operand.span, "unary '-'")
        return NUMBER_T.as_optional(operand.optional)

    def binary(self, node: Binary, element: DslType | None) -> DslType:
        left, right = self.infer(node.left, element), self.infer(node.right, element)
        if node.op in ("and", "or"):
            require_bool(left, node.left.span, f"'{node.op}'")
            require_bool(right, node.right.span, f"'{node.op}'")
            return BOOL_T
        if node.op in ARITHMETIC:
            require(left, NUMBER, node.left.span, f"'{node.op}'")
            require(right, NUMBER, node.right.span, f"'{node.op}'")
            return NUMBER_T.as_optional(left.optional or right.optional)
        assert node.op in COMPARISONS
        if node.op in ("==", "!="):
            comparable(left, right, node)
        else:
            for side, typ in ((node.left, left), (node.right, right)):
                if typ.kind not in (NUMBER, DATE):
                    raise RuleTypeError(f"'{node.op}' orders numbers or dates, not {typ.describe()}", side.span)
            comparable(left, right, node)
        return BOOL_T

    def membership(self, node: Membership, element: DslType | None) -> DslType:
        item = self.infer(node.item, element)
        for option in node.options:
            typ = self.infer(option, element)
            if typ.kind == NULL:
                raise RuleTypeError("null cannot be listed after 'in'; use 'is null'", option.span)
            same_kind(item, typ, option.span, "'in'")
            check_choice(item, option)
        if item.kind not in (NUMBER, STRING, DATE):
            raise RuleTypeError(f"'in' tests a number, string or date, not {item.describe()}", node.item.span)
        return BOOL_T

    def call(self, node: Call, element: DslType | None) -> DslType:
        if node.name in QUANTIFIERS or (node.name in AGGREGATES and is_list_form(node, self.root, element)):
            return self.over_list(node, element)
        if node.name in AGGREGATES:
            if len(node.args) < 2:
                raise arity(node, "at least 2 numbers, or a list and a number expression")
            types = [self.infer(arg, element) for arg in node.args]
            for arg, typ in zip(node.args, types, strict=True):
                require(typ, NUMBER, arg.span, f"{node.name}()")
            return NUMBER_T.as_optional(any(t.optional for t in types))
        if node.name == "exists":
            if len(node.args) != 1 or not isinstance(node.args[0], Path):
                raise arity(node, "exactly one field path")
            if not self.value_or_record(node.args[0], element).optional:
                raise RuleTypeError("exists() on a field that is never null", node.args[0].span)
            return BOOL_T
        span = Span(node.span.start, node.span.start + len(node.name))
        raise RuleTypeError(f"unknown function '{node.name}'", span, did_you_mean(node.name, list(FUNCTIONS)))

    def over_list(self, node: Call, element: DslType | None) -> DslType:
        if len(node.args) != 2:
            raise arity(node, "2 arguments: a list and an expression over its elements")
        source = self.value_or_record(node.args[0], element)
        if source.kind != LIST or not isinstance(node.args[0], Path):
            raise RuleTypeError(f"{node.name}() needs a list field first, got {source.describe()}", node.args[0].span)
        if source.optional:
            raise RuleTypeError(f"{node.name}() over an optional list is not supported", node.args[0].span)
        assert source.element is not None
        body = self.infer(node.args[1], source.element)
        if node.name in AGGREGATES:
            require(body, NUMBER, node.args[1].span, f"{node.name}()")
            return NUMBER_T.as_optional(True)
        require_bool(body, node.args[1].span, f"{node.name}()")
        return NUMBER_T if node.name == "count" else BOOL_T
