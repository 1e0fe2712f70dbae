"""The shipped rules, translated from our AST into zen-engine and rule-engine expressions.

Used only by bench_rules.py to run the SAME conditions through the two reference engines. Only the
constructs the shipped rulesets use need translating; anything else raises, so a new construct in a
ruleset cannot silently drop out of the comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from saas.rules.ast import Binary, Call, IsNull, Literal, Membership, Node, Path, Unary, to_source
from saas.rules.types import quote_type

ELEMENT = "elem"


def to_zen(node: Node, in_list: frozenset[str] = frozenset()) -> str:
    """zen expression language: ``#`` is the current element inside some/all/count."""
    return _translate(node, in_list, _ZEN)


def to_rule_engine(node: Node, in_list: frozenset[str] = frozenset()) -> str:
    """rule-engine: list predicates become comprehensions; ``&.`` walks through null safely."""
    return _translate(node, in_list, _RULE_ENGINE)


def _translate(node: Node, fields: frozenset[str], dialect: dict[str, Any]) -> str:
    def go(each: Node, scope: frozenset[str] = fields) -> str:
        return _translate(each, scope, dialect)

    if isinstance(node, Literal | Membership) and not isinstance(node, Membership):
        return to_source(node)
    if isinstance(node, Path):
        return dialect["path"](node, fields)
    if isinstance(node, Unary):
        return f"not ({go(node.operand)})" if node.op == "not" else f"-({go(node.operand)})"
    if isinstance(node, Binary):
        return f"({go(node.left)} {node.op} {go(node.right)})"
    if isinstance(node, Membership):
        options = ", ".join(go(option) for option in node.options)
        return f"({'not ' if node.negated else ''}{go(node.item)} in [{options}])"
    if isinstance(node, IsNull):
        return f"({go(node.operand)} {'!=' if node.negated else '=='} null)"
    if isinstance(node, Call) and node.name == "exists":
        return f"({go(node.args[0])} != null)"
    if isinstance(node, Call) and node.name in ("any", "all", "count") and isinstance(node.args[0], Path):
        element_fields = _ELEMENT_FIELDS[node.args[0].parts[-1]]
        body = go(node.args[1], element_fields)
        build: Callable[[str, str], str] = dialect[node.name]
        return build(go(node.args[0], frozenset()), body)
    raise ValueError(f"the reference engines have no translation for {to_source(node)}")


def _zen_path(node: Path, fields: frozenset[str]) -> str:
    text = ".".join(node.parts)
    return f"#.{text}" if node.parts[0] in fields else text


def _rule_engine_path(node: Path, fields: frozenset[str]) -> str:
    """After a step that may be null, rule-engine needs ``&.`` to read on safely."""
    if node.parts[0] in fields:
        return f"{ELEMENT}." + ".".join(node.parts)
    record, text = quote_type(), node.parts[0]
    for previous, part in zip(node.parts, node.parts[1:], strict=False):
        record = record.fields[previous]
        text += f"&.{part}" if record.optional else f".{part}"
    return text


_ZEN: dict[str, Any] = {
    "path": _zen_path,
    "any": lambda items, body: f"some({items}, {body})",
    "all": lambda items, body: f"all({items}, {body})",
    "count": lambda items, body: f"count({items}, {body})",
}
_RULE_ENGINE: dict[str, Any] = {
    "path": _rule_engine_path,
    "any": lambda items, body: f"([{ELEMENT} for {ELEMENT} in {items} if {body}].length > 0)",
    "all": lambda items, body: f"[{ELEMENT} for {ELEMENT} in {items} if not ({body})].is_empty",
    "count": lambda items, body: f"[{ELEMENT} for {ELEMENT} in {items} if {body}].length",
}
_ELEMENT_FIELDS = {
    name: frozenset(typ.element.fields) for name, typ in quote_type().fields.items() if typ.element is not None
}
"""List field → its element's field names, from the same quote schema the checker uses."""
