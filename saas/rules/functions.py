"""The DSL's built-in functions, compiled: quantifiers, aggregates and ``exists``.

Each function decides its own evaluation order (the quantifiers stop at the first element that
settles the answer). A body that reads only element fields runs on the bare element; one that
also reads quote fields runs on a ``(quote, element)`` pair, built only in that case.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from saas.rules.ast import Call, Path
from saas.rules.checker import AGGREGATES
from saas.rules.paths import ROOT, Fn, path_getter

if TYPE_CHECKING:
    from saas.rules.compiler import Compiler


def compile_call(node: Call, compiler: Compiler) -> Fn:
    if node.name == "exists":
        assert isinstance(node.args[0], Path)
        getter = path_getter(compiler.checked.paths[id(node.args[0])], compiler.frame)
        return lambda frame: getter(frame) is not None
    list_form = node.name in AGGREGATES and compiler.checked.types[id(node.args[0])].kind == "list"
    if node.name in ("any", "all", "count") or list_form:
        items = compiler.build(node.args[0])
        body, paired = compiler.body(node.args[1])
        if paired:
            quote_of: Fn = (lambda frame: frame) if compiler.frame == ROOT else operator.itemgetter(0)
            items = _with_quote(items, quote_of)
        return _LIST_FUNCTIONS[node.name](items, body)
    return _extreme(min if node.name == "min" else max, [compiler.build(arg) for arg in node.args])


def _with_quote(items: Fn, quote_of: Fn) -> Fn:
    """Yield ``(quote, element)`` pairs so a body can read both."""
    return lambda frame: [(quote_of(frame), item) for item in items(frame)]


def _any(items: Fn, body: Fn) -> Fn:
    def run(frame: Any) -> bool:
        for item in items(frame):  # noqa: SIM110 - a plain loop is faster than a generator
            if body(item):
                return True
        return False

    return run


def _all(items: Fn, body: Fn) -> Fn:
    def run(frame: Any) -> bool:
        for item in items(frame):  # noqa: SIM110 - a plain loop is faster than a generator
            if not body(item):
                return False
        return True

    return run


def _count(items: Fn, body: Fn) -> Fn:
    def run(frame: Any) -> int:
        total = 0
        for item in items(frame):
            if body(item):
                total += 1
        return total

    return run


def _aggregate(pick: Callable[[list[Any]], Any]) -> Callable[[Fn, Fn], Fn]:
    """``min(drivers, age)``: null elements are skipped; an empty list gives null."""

    def build(items: Fn, body: Fn) -> Fn:
        def run(frame: Any) -> Any:
            values = [value for item in items(frame) if (value := body(item)) is not None]
            return pick(values) if values else None

        return run

    return build


def _extreme(pick: Callable[[list[Any]], Any], parts: list[Fn]) -> Fn:
    """``min(a, b, ...)``: absent if any argument is absent, like the arithmetic operators."""

    def run(frame: Any) -> Any:
        values = [part(frame) for part in parts]
        return None if None in values else pick(values)

    return run


_LIST_FUNCTIONS: dict[str, Callable[[Fn, Fn], Fn]] = {
    "any": _any, "all": _all, "count": _count, "min": _aggregate(min), "max": _aggregate(max),
}
