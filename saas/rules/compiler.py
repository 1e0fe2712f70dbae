"""Phase 4: a checked AST → nested plain-Python closures ``fn(frame) -> value``.

No eval/exec and no tree walking at rating time: paths are resolved to attribute getters once,
constants are folded once, comparisons against constants and ``and``/``or`` chains get dedicated
closures, and integer arithmetic takes an exact fast path (``saas.rules.arithmetic``).
"""

from __future__ import annotations

from decimal import Decimal, DecimalException, DivisionByZero, Overflow
from typing import Any

from saas.rules.arithmetic import DECIMALS, arithmetic, comparison, negate
from saas.rules.ast import ARITHMETIC, Binary, Call, IsNull, Literal, Membership, Node, Path, Unary, walk
from saas.rules.checker import Checked
from saas.rules.errors import RuleTypeError
from saas.rules.functions import compile_call
from saas.rules.paths import ELEMENT, PAIR, ROOT, Fn, path_getter

__all__ = ["DECIMALS", "compile_condition", "fault_name", "is_constant", "plain"]


def compile_condition(tree: Node, checked: Checked) -> Fn:
    """Compile a checked condition for a quote frame; a constant part that faults is a load error."""
    return Compiler(checked, ROOT).build(tree)


def plain(value: Any) -> Any:
    """Store integral Decimal constants as int: int/int comparisons are the cheapest Python has."""
    if isinstance(value, Decimal) and value == value.to_integral_value() and abs(value) < 2**63:
        return int(value)
    return value


def is_constant(node: Node) -> bool:
    """No field is read: the value is the same for every quote, so it is computed at load."""
    return not any(isinstance(each, Path) for each in walk(node))


def fault_name(exc: DecimalException) -> str:
    if isinstance(exc, DivisionByZero):
        return "division by zero"
    if isinstance(exc, Overflow):
        return "decimal overflow"
    return "undefined arithmetic (0/0)"


class Compiler:
    def __init__(self, checked: Checked, frame: str) -> None:
        self.checked = checked
        self.frame = frame
        self.folding = False
        """Inside a constant being folded: its parts must not fold on their own, or
        ``false and 1 / 0 > 0`` would fail at load although its own short-circuit skips the division."""

    def build(self, node: Node) -> Fn:
        if not self.folding and not isinstance(node, Literal) and is_constant(node):
            return self.fold(node)
        return self.closure(node)

    def constant(self, node: Node) -> tuple[bool, Any]:
        if isinstance(node, Literal) or (not self.folding and is_constant(node)):
            return True, self.build(node)(None)
        return False, None

    def fold(self, node: Node) -> Fn:
        """Evaluate a constant sub-expression now (with its own short-circuits) and keep the value."""
        self.folding = True
        try:
            value = plain(self.closure(node)(None))
        except DecimalException as exc:
            raise RuleTypeError(f"constant expression cannot be computed: {fault_name(exc)}", node.span) from None
        finally:
            self.folding = False
        return lambda frame: value

    def body(self, node: Node) -> tuple[Fn, bool]:
        """Compile a list function's body: element frame if it reads no quote field, else a pair."""
        reads_quote = any(isinstance(each, Path) and self.checked.paths[id(each)].scope == ROOT
                          for each in walk(node) if id(each) in self.checked.paths)
        compiler = Compiler(self.checked, PAIR if reads_quote else ELEMENT)
        return compiler.build(node), reads_quote

    def closure(self, node: Node) -> Fn:
        if isinstance(node, Literal):
            value = plain(node.value)
            return lambda frame: value
        if isinstance(node, Path):
            return path_getter(self.checked.paths[id(node)], self.frame)
        if isinstance(node, Unary):
            inner = self.build(node.operand)
            return (lambda frame: not inner(frame)) if node.op == "not" else negate(inner)
        if isinstance(node, Binary):
            return self.logical(node) if node.op in ("and", "or") else self.binary(node)
        if isinstance(node, Membership):
            return self.membership(node)
        if isinstance(node, IsNull):
            inner = self.build(node.operand)
            if node.negated:
                return lambda frame: inner(frame) is not None
            return lambda frame: inner(frame) is None
        assert isinstance(node, Call)
        return compile_call(node, self)

    def logical(self, node: Binary) -> Fn:
        """``a and b and c`` as one closure: a chain is flattened, each part short-circuits."""
        parts: list[Node] = []
        pending: list[Node] = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, Binary) and current.op == node.op:
                pending += [current.right, current.left]
            else:
                parts.append(current)
        fns = [self.build(part) for part in parts]
        return _all_of(fns) if node.op == "and" else _any_of(fns)

    def binary(self, node: Binary) -> Fn:
        left, right = self.build(node.left), self.build(node.right)
        nullable = self.optional(node.left) or self.optional(node.right)
        if node.op == "/" and not self.folding and is_constant(node.right) and right(None) == 0:
            raise RuleTypeError("division by zero: the divisor is a constant 0", node.right.span)
        (left_constant, left_value), (right_constant, right_value) = self.constant(node.left), self.constant(node.right)
        if node.op in ARITHMETIC:
            ints = self.integral(node.left) and self.integral(node.right)
            return arithmetic(node.op, left, right, ints=ints, nullable=nullable,
                              constant=(right_constant, right_value))
        return comparison(node.op, left, right, constant=(left_constant, right_constant),
                          values=(left_value, right_value), nullable=nullable)

    def membership(self, node: Membership) -> Fn:
        item = self.build(node.item)
        if all(isinstance(option, Literal) for option in node.options):
            values = frozenset(plain(option.value) for option in node.options)  # type: ignore[attr-defined]
            if node.negated:
                return lambda frame: (value := item(frame)) is not None and value not in values
            return lambda frame: item(frame) in values
        options, negated = tuple(self.build(option) for option in node.options), node.negated

        def member(frame: Any) -> bool:
            value = item(frame)
            return value is not None and any(value == option(frame) for option in options) != negated

        return member

    def optional(self, node: Node) -> bool:
        return self.checked.types[id(node)].optional

    def integral(self, node: Node) -> bool:
        """Provably an int: an int field, an integral literal, a count, or + - * of those."""
        if isinstance(node, Literal):
            return isinstance(node.value, Decimal) and node.value == node.value.to_integral_value()
        if isinstance(node, Path):
            return self.checked.paths[id(node)].leaf.read_as == "int"
        if isinstance(node, Binary) and node.op in ("+", "-", "*"):
            return self.integral(node.left) and self.integral(node.right)
        return isinstance(node, Call) and node.name == "count"


def _all_of(fns: list[Fn]) -> Fn:
    if len(fns) == 2:
        a, b = fns
        return lambda frame: a(frame) and b(frame)
    if len(fns) == 3:
        a, b, c = fns
        return lambda frame: a(frame) and b(frame) and c(frame)
    return lambda frame: all(fn(frame) for fn in fns)


def _any_of(fns: list[Fn]) -> Fn:
    if len(fns) == 2:
        a, b = fns
        return lambda frame: a(frame) or b(frame)
    if len(fns) == 3:
        a, b, c = fns
        return lambda frame: a(frame) or b(frame) or c(frame)
    return lambda frame: any(fn(frame) for fn in fns)
