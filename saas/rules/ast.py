"""Phase 2 output: expression nodes with spans, and a printer back to source.

Spans are excluded from equality so that ``parse(to_source(tree)) == tree`` states exactly what the
printer promises: the same tree, wherever its tokens now sit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from saas.rules.errors import Span

NO_SPAN = Span(0, 0)

PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}
"""Binding strength, loosest first; the parser and the printer share it so they cannot disagree."""

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/"})


@dataclass(frozen=True)
class Node:
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Literal(Node):
    kind: str
    """``number``, ``string``, ``bool``, ``date`` or ``null``: kept apart because True == Decimal(1)."""
    value: Decimal | str | bool | dt.date | None


@dataclass(frozen=True)
class Path(Node):
    parts: tuple[str, ...]
    offsets: tuple[int, ...] = field(default=(), compare=False, repr=False)
    """Start offset of each part, so an unknown field deep in a path gets its own caret."""


@dataclass(frozen=True)
class Unary(Node):
    op: str
    """``not`` or ``-``."""
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Membership(Node):
    item: Node
    options: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull(Node):
    operand: Node
    negated: bool = False


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


def precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return PRECEDENCE["cmp"] if node.op in COMPARISONS else PRECEDENCE[node.op]
    if isinstance(node, Membership | IsNull):
        return PRECEDENCE["cmp"]
    if isinstance(node, Unary):
        return PRECEDENCE["not"] if node.op == "not" else PRECEDENCE["neg"]
    return PRECEDENCE["atom"]


def to_source(node: Node) -> str:
    """Print a tree as DSL text with the fewest parentheses that keep its shape."""
    if isinstance(node, Literal):
        return _literal(node)
    if isinstance(node, Path):
        return ".".join(node.parts)
    if isinstance(node, Unary):
        inner = _wrap(node.operand, precedence(node))
        return f"not {inner}" if node.op == "not" else f"-{inner}"
    if isinstance(node, Binary):
        mine = precedence(node)
        right_floor = mine + 1
        left_floor = mine + 1 if node.op in COMPARISONS else mine
        return f"{_wrap(node.left, left_floor)} {node.op} {_wrap(node.right, right_floor)}"
    if isinstance(node, Membership):
        options = ", ".join(to_source(option) for option in node.options)
        keyword = "not in" if node.negated else "in"
        return f"{_wrap(node.item, PRECEDENCE['cmp'] + 1)} {keyword} [{options}]"
    if isinstance(node, IsNull):
        keyword = "is not null" if node.negated else "is null"
        return f"{_wrap(node.operand, PRECEDENCE['cmp'] + 1)} {keyword}"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_source(arg) for arg in node.args)})"
    raise TypeError(f"not a rules AST node: {node!r}")


def _wrap(node: Node, floor: int) -> str:
    text = to_source(node)
    return f"({text})" if precedence(node) < floor else text


def _literal(node: Literal) -> str:
    value = node.value
    if node.kind == "number":
        assert isinstance(value, Decimal)
        return format(value, "f")
    if node.kind == "string":
        assert isinstance(value, str)
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if node.kind == "bool":
        return "true" if value else "false"
    if node.kind == "date":
        assert isinstance(value, dt.date)
        return f'date("{value.isoformat()}")'
    return "null"


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-expressions, in source order."""
    if isinstance(node, Unary | IsNull):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Membership):
        return (node.item, *node.options)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents first; used for limits and for the inputs a rule reads."""
    out: list[Node] = [node]
    for child in children(node):
        out.extend(walk(child))
    return out


def depth(node: Node) -> int:
    """Tree height, computed without recursion: a left-deep ``1+1+...+1`` may be 1,000 levels."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest
