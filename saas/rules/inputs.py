"""What a rule reads, for its trace: one reader per field path, labelled as the rule wrote it.

Paths inside ``any/all/count/min/max(list, ...)`` read every element, labelled ``drivers[].age``.
The trace lists what the condition depends on, not only what a short-circuit happened to touch.
"""

from __future__ import annotations

from typing import Any

from saas.rules.ast import Call, Node, Path, children
from saas.rules.checker import Checked
from saas.rules.paths import ELEMENT, ROOT, Fn, path_getter
from saas.rules.ruleset import Reader


def trace_inputs(tree: Node, checked: Checked) -> tuple[tuple[str, Reader], ...]:
    found: dict[str, Reader] = {}
    _collect(tree, checked, None, found)
    return tuple(found.items())


def _collect(node: Node, checked: Checked, over: tuple[str, Fn] | None, found: dict[str, Reader]) -> None:
    if isinstance(node, Path) and id(node) in checked.paths:
        resolved = checked.paths[id(node)]
        if resolved.scope == ELEMENT and over is not None:
            label, items = over
            found.setdefault(f"{label}[].{'.'.join(node.parts)}", _each(items, path_getter(resolved, ELEMENT)))
        elif resolved.scope == ROOT:
            found.setdefault(".".join(node.parts), path_getter(resolved, ROOT))
        return
    if isinstance(node, Call) and len(node.args) == 2 and isinstance(node.args[0], Path):
        source = checked.paths.get(id(node.args[0]))
        if source is not None and source.leaf.kind == "list" and source.scope == ROOT:
            found.setdefault(".".join(node.args[0].parts), _size(path_getter(source, ROOT)))
            _collect(node.args[1], checked, (".".join(node.args[0].parts), path_getter(source, ROOT)), found)
            return
    for child in children(node):
        _collect(child, checked, over, found)


def _each(items: Fn, getter: Fn) -> Reader:
    def read(quote: Any) -> list[Any]:
        return [getter(item) for item in items(quote)]

    return read


def _size(items: Fn) -> Reader:
    """A list itself is traced by its length; its elements' fields are traced one by one."""
    return lambda quote: len(items(quote))
