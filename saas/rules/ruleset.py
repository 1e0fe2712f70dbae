"""A compiled ruleset: rules as closures in order, evaluated many times without re-parsing.

``evaluate(trace=False)`` is the hot path of bulk rating: one loop over pre-built rules, each a
closure call and a pre-built ``Adjustment``; nothing is allocated except the result list. The
trace path reads each rule's inputs again after the fact, so tracing costs nothing when off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from typing import Any

import msgspec

from saas.quote.schemas import Quote
from saas.rules.compiler import fault_name
from saas.rules.paths import Fn
from saas.rules.schemas import Adjustment, Evaluation, RuleTrace

Reader = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    condition: Fn | None
    adjustment: Adjustment
    declines: bool
    inputs: tuple[tuple[str, Reader], ...]
    """Field path label → reader, used only when a trace is asked for."""
    effect: str
    when: str | None = None
    """The condition's source text, for explanations and for re-running it elsewhere."""


class CompiledRuleset:
    """One state's rules (after the DEFAULT rules when composed) ready to evaluate quotes."""

    state: str
    title: str
    content_hash: str
    forbidden_factors: frozenset[str]
    forbidden_features: frozenset[str]
    rules: tuple[CompiledRule, ...]

    def __init__(self, *, state: str, title: str, content_hash: str, rules: Sequence[CompiledRule],
                 forbidden_factors: frozenset[str], forbidden_features: frozenset[str],
                 base: CompiledRuleset | None = None) -> None:
        self.state = state
        self.title = title
        self.content_hash = content_hash
        """sha256 of this file's bytes; ``base.content_hash`` pins the DEFAULT file composed before it."""
        self.base = base
        self.own_rules = tuple(rules)
        self.rules = (base.rules if base else ()) + self.own_rules
        self.forbidden_factors = forbidden_factors | (base.forbidden_factors if base else frozenset())
        self.forbidden_features = forbidden_features | (base.forbidden_features if base else frozenset())

    def __repr__(self) -> str:
        return f"CompiledRuleset({self.state!r}, rules={len(self.rules)}, hash={self.content_hash[:12]})"

    def composed_with(self, base: CompiledRuleset) -> CompiledRuleset:
        """This ruleset with ``base`` (the DEFAULT ruleset) running first."""
        return CompiledRuleset(state=self.state, title=self.title, content_hash=self.content_hash,
                               rules=self.own_rules, forbidden_factors=self.forbidden_factors,
                               forbidden_features=self.forbidden_features, base=base)

    def evaluate(self, quote: Quote, *, trace: bool = True) -> Evaluation:
        """Run the rules in order; a matching ``decline`` stops evaluation."""
        if trace:
            return self._traced(quote)
        applied: list[Adjustment] = []
        for rule in self.rules:
            condition = rule.condition
            if condition is not None:
                try:
                    if not condition(quote):
                        continue
                except DecimalException:
                    continue
            if rule.declines:
                return Evaluation(applied, [], rule.adjustment)
            applied.append(rule.adjustment)
        return Evaluation(applied, [], None)

    def _traced(self, quote: Quote) -> Evaluation:
        applied: list[Adjustment] = []
        steps: list[RuleTrace] = []
        for rule in self.rules:
            matched, fault = True, None
            if rule.condition is not None:
                try:
                    matched = bool(rule.condition(quote))
                except DecimalException as exc:
                    matched, fault = False, f"fault: {fault_name(exc)}"
            inputs = {label: show(read(quote)) for label, read in rule.inputs}
            steps.append(RuleTrace(rule.id, matched, inputs, rule.effect if matched else fault))
            if matched and rule.declines:
                return Evaluation(applied, steps, rule.adjustment)
            if matched:
                applied.append(rule.adjustment)
        return Evaluation(applied, steps, None)


def show(value: Any) -> str:
    """A value as the DSL would write it, for traces that humans and auditors read."""
    fast = _SHOW.get(type(value))
    if fast is not None:
        return fast(value)
    if isinstance(value, list):
        return "[" + ", ".join(show(each) for each in value) + "]"
    if isinstance(value, msgspec.Struct):
        return "present"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_SHOW: dict[type, Callable[[Any], str]] = {
    int: str,
    str: str,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    Decimal: lambda value: format(value, "f"),
    dt.date: dt.date.isoformat,
}
"""Exact-type dispatch for the common scalars: traces format thousands of values per second."""
