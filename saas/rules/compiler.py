"""Phase 4: a checked AST → nested plain-Python closures ``fn(quote, element) -> value``.

No eval/exec and no tree walking at rating time: paths are resolved to attribute getters once,
constants are folded once, and each operator becomes one small closure. Arithmetic runs under
``DECIMALS`` (one fixed context), so a result never depends on the thread's decimal settings.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException, DivisionByZero, InvalidOperation, Overflow
from typing import Any

from saas.rules.ast import Binary, Call, IsNull, Literal, Membership, Node, Path, Unary, walk
from saas.rules.checker import Checked
from saas.rules.errors import RuleTypeError
from saas.rules.functions import compile_call
from saas.rules.paths import Fn, path_getter

DECIMALS = Context(prec=28, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999,
                   traps=[DivisionByZero, InvalidOperation, Overflow])
"""The one decimal context of every rule: 28 significant digits, banker's rounding, and the three
faults (x/0, 0/0, overflow) raised so a rule can record them instead of computing Infinity/NaN."""

_ORDER = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
          ">=": operator.ge}
_ARITH = {"+": DECIMALS.add, "-": DECIMALS.subtract, "*": DECIMALS.multiply, "/": DECIMALS.divide}


def compile_condition(tree: Node, checked: Checked) -> Fn:
    """Compile a checked condition; a constant part that faults is a load error at its span."""
    return _Compiler(checked).build(tree)


def plain(value: Any) -> Any:
    """Store integral Decimal constants as int: int/int comparisons are the cheapest Python has."""
    if isinstance(value, Decimal) and value == value.to_integral_value() and abs(value) < 2**63:
        return int(value)
    return value


class _Compiler:
    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.folding = False
        """Inside a constant being folded: its parts must not fold on their own, or
        ``false and 1 / 0 > 0`` would fail at load although its own short-circuit skips the division."""

    def build(self, node: Node) -> Fn:
        if not self.folding and not isinstance(node, Literal) and is_constant(node):
            return self.fold(node)
        return self.closure(node)

    def fold(self, node: Node) -> Fn:
        """Evaluate a constant sub-expression now (with its own short-circuits) and keep the value."""
        self.folding = True
        try:
            value = plain(self.closure(node)(None, None))
        except DecimalException as exc:
            raise RuleTypeError(f"constant expression cannot be computed: {fault_name(exc)}", node.span) from None
        finally:
            self.folding = False
        return lambda quote, element: value

    def closure(self, node: Node) -> Fn:
        if isinstance(node, Literal):
            value = plain(node.value)
            return lambda quote, element: value
        if isinstance(node, Path):
            return path_getter(self.checked.paths[id(node)])
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Membership):
            return self.membership(node)
        if isinstance(node, IsNull):
            return self.is_null(node)
        assert isinstance(node, Call)
        return self.call(node)

    def optional(self, node: Node) -> bool:
        return self.checked.types[id(node)].optional

    def unary(self, node: Unary) -> Fn:
        inner = self.build(node.operand)
        if node.op == "not":
            return lambda quote, element: not inner(quote, element)
        minus = DECIMALS.minus

        def negate(quote: Any, element: Any) -> Any:
            value = inner(quote, element)
            return None if value is None else minus(value)

        return negate

    def binary(self, node: Binary) -> Fn:
        left, right = self.build(node.left), self.build(node.right)
        if node.op == "and":
            return lambda quote, element: left(quote, element) and right(quote, element)
        if node.op == "or":
            return lambda quote, element: left(quote, element) or right(quote, element)
        nullable = self.optional(node.left) or self.optional(node.right)
        if node.op == "/" and not self.folding and is_constant(node.right) and right(None, None) == 0:
            raise RuleTypeError("division by zero: the divisor is a constant 0", node.right.span)
        if node.op in _ARITH:
            return _nullable_pair(_ARITH[node.op], left, right) if nullable else _pair(_ARITH[node.op], left, right)
        compare = _ORDER[node.op]
        if node.op in ("==", "!=") or not nullable:
            return _pair(compare, left, right)
        return _ordered_nullable(compare, left, right)

    def membership(self, node: Membership) -> Fn:
        item = self.build(node.item)
        negated = node.negated
        if all(isinstance(option, Literal) for option in node.options):
            values = frozenset(plain(option.value) for option in node.options)  # type: ignore[attr-defined]
            if negated:
                return lambda quote, element: (value := item(quote, element)) is not None and value not in values
            return lambda quote, element: item(quote, element) in values
        options = tuple(self.build(option) for option in node.options)

        def member(quote: Any, element: Any) -> bool:
            value = item(quote, element)
            if value is None:
                return False
            return any(value == option(quote, element) for option in options) != negated

        return member

    def is_null(self, node: IsNull) -> Fn:
        inner = self.build(node.operand)
        if node.negated:
            return lambda quote, element: inner(quote, element) is not None
        return lambda quote, element: inner(quote, element) is None

    def call(self, node: Call) -> Fn:
        return compile_call(node, [self.build(arg) for arg in node.args], self.checked)


def is_constant(node: Node) -> bool:
    """No field is read: the value is the same for every quote, so it is computed at load."""
    return not any(isinstance(each, Path) for each in walk(node))


def _pair(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    return lambda quote, element: op(left(quote, element), right(quote, element))


def _nullable_pair(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """Arithmetic with an absent operand is absent (null), like SQL."""

    def run(quote: Any, element: Any) -> Any:
        a, b = left(quote, element), right(quote, element)
        return None if a is None or b is None else op(a, b)

    return run


def _ordered_nullable(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """An ordering comparison with an absent side is false: no telematics never counts as 'low'."""

    def run(quote: Any, element: Any) -> bool:
        a, b = left(quote, element), right(quote, element)
        return a is not None and b is not None and op(a, b)

    return run


def fault_name(exc: DecimalException) -> str:
    if isinstance(exc, DivisionByZero):
        return "division by zero"
    if isinstance(exc, Overflow):
        return "decimal overflow"
    return "undefined arithmetic (0/0)"
