"""What a rule reads, for its trace: one reader per field path, labelled as the rule wrote it.

Paths inside ``any/all/count/min/max(list, ...)`` read every element, labelled ``drivers[].age``.
The trace lists what the condition depends on, not only what a short-circuit happened to touch.
"""

from __future__ import annotations

from typing import Any

from saas.rules.ast import Call, Node, Path, children
from saas.rules.checker import Checked
from saas.rules.paths import Fn, path_getter
from saas.rules.ruleset import Reader


def trace_inputs(tree: Node, checked: Checked) -> tuple[tuple[str, Reader], ...]:
    found: dict[str, Reader] = {}
    _collect(tree, checked, None, found)
    return tuple(found.items())


def _collect(node: Node, checked: Checked, over: tuple[str, Fn] | None, found: dict[str, Reader]) -> None:
    if isinstance(node, Path) and id(node) in checked.paths:
        resolved = checked.paths[id(node)]
        getter = path_getter(resolved)
        if resolved.scope == "element" and over is not None:
            label, items = over
            found.setdefault(f"{label}[].{'.'.join(node.parts)}", _each(items, getter))
        else:
            found.setdefault(".".join(node.parts), _root(getter))
        return
    if isinstance(node, Call) and len(node.args) == 2 and isinstance(node.args[0], Path):
        source = node.args[0]
        source_path = checked.paths.get(id(source))
        if source_path is not None and source_path.leaf.kind == "list":
            _collect(node.args[1], checked, (".".join(source.parts), path_getter(source_path)), found)
            return
    for child in children(node):
        _collect(child, checked, over, found)


def _root(getter: Fn) -> Reader:
    return lambda quote: getter(quote, None)


def _each(items: Fn, getter: Fn) -> Reader:
    def read(quote: Any) -> list[Any]:
        return [getter(quote, item) for item in items(quote, None)]

    return read
