"""The DSL's built-in functions, compiled: quantifiers, aggregates and ``exists``.

Kept apart from ``compiler.py`` because each function decides its own evaluation order (the
quantifiers stop at the first element that settles the answer).
"""

from __future__ import annotations

from typing import Any

from saas.rules.ast import Call, Path
from saas.rules.checker import AGGREGATES, Checked
from saas.rules.paths import Fn, path_getter


def compile_call(node: Call, args: list[Fn], checked: Checked) -> Fn:
    if node.name == "exists":
        assert isinstance(node.args[0], Path)
        getter = path_getter(checked.paths[id(node.args[0])])
        return lambda quote, element: getter(quote, element) is not None
    if node.name == "any":
        return _any(*args)
    if node.name == "all":
        return _all(*args)
    if node.name == "count":
        return _count(*args)
    pick = min if node.name == "min" else max
    if node.name in AGGREGATES and checked.types[id(node.args[0])].kind == "list":
        return _aggregate(pick, *args)
    return _extreme(pick, args)


def _any(items: Fn, body: Fn) -> Fn:
    def run(quote: Any, element: Any) -> bool:
        for item in items(quote, element):  # noqa: SIM110 - a plain loop is faster than a generator
            if body(quote, item):
                return True
        return False

    return run


def _all(items: Fn, body: Fn) -> Fn:
    def run(quote: Any, element: Any) -> bool:
        for item in items(quote, element):  # noqa: SIM110 - a plain loop is faster than a generator
            if not body(quote, item):
                return False
        return True

    return run


def _count(items: Fn, body: Fn) -> Fn:
    def run(quote: Any, element: Any) -> int:
        total = 0
        for item in items(quote, element):
            if body(quote, item):
                total += 1
        return total

    return run


def _aggregate(pick: Any, items: Fn, body: Fn) -> Fn:
    """``min(drivers, age)``: null elements are skipped; an empty list gives null."""

    def run(quote: Any, element: Any) -> Any:
        values = [value for item in items(quote, element) if (value := body(quote, item)) is not None]
        return pick(values) if values else None

    return run


def _extreme(pick: Any, args: list[Fn]) -> Fn:
    """``min(a, b, ...)``: absent if any argument is absent, like the arithmetic operators."""
    parts = tuple(args)

    def run(quote: Any, element: Any) -> Any:
        values = [part(quote, element) for part in parts]
        return None if None in values else pick(values)

    return run
