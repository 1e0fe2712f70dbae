"""What a state allows each rating factor to do for one quote: forbid it, exclude it, or clamp it.

The engine reads a ruleset evaluation through the structural protocols below, so it works with the
rules package's ``Evaluation`` (and with any object of that shape in tests) without importing it.
A factor is neutralised or clamped *before* it is multiplied in, never corrected afterwards: the
decision record then shows the factor the premium really used, next to the reason it differs from
the rate table. A forbidden or excluded factor is exactly 1 whatever other rules say about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from saas.errors import RatingError
from saas.money import ONE, clamp
from saas.quote.factors import RATING_FACTORS


class RuleAdjustment(Protocol):
    """One applied rule action, as the rules package reports it."""

    @property
    def rule_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def value(self) -> Decimal | None: ...
    @property
    def factor(self) -> str | None: ...
    @property
    def min(self) -> Decimal | None: ...
    @property
    def max(self) -> Decimal | None: ...
    @property
    def explain(self) -> str: ...
    @property
    def cite(self) -> str | None: ...


class Evaluation(Protocol):
    """A ruleset evaluated against one quote: adjustments in ruleset order, and a decline if any."""

    @property
    def adjustments(self) -> Sequence[RuleAdjustment]: ...
    @property
    def declined(self) -> RuleAdjustment | None: ...


def rule_reason(adjustment: RuleAdjustment) -> str:
    """``rule <id>: <explain> (<cite>)`` — how every rule effect is cited in explanations."""
    cite = f" ({adjustment.cite})" if adjustment.cite else ""
    explain = f": {adjustment.explain}" if adjustment.explain else ""
    return f"rule {adjustment.rule_id}{explain}{cite}"


class FactorControls:
    """Forbidden factors, rule exclusions and rule limits, indexed by factor name for one quote."""

    __slots__ = ("excluded", "forbidden", "limits", "state", "touched")

    def __init__(self, state: str, forbidden: frozenset[str], rules: Evaluation | None) -> None:
        self.state = state
        self.forbidden = forbidden
        self.excluded: dict[str, RuleAdjustment] = {}
        self.limits: dict[str, list[RuleAdjustment]] = {}
        for adjustment in rules.adjustments if rules is not None else ():
            if adjustment.action not in ("exclude", "limit"):
                continue
            if adjustment.factor is None:
                raise RatingError(f"rule {adjustment.rule_id}: '{adjustment.action}' names no factor")
            if adjustment.action == "exclude":
                self.excluded.setdefault(adjustment.factor, adjustment)
            else:
                self.limits.setdefault(adjustment.factor, []).append(adjustment)
        self.touched = forbidden | self.excluded.keys() | self.limits.keys()

    def apply(self, name: str, value: Decimal) -> tuple[Decimal, str | None]:
        """The value the premium may use for factor ``name``, and why it differs (None if it doesn't)."""
        if name not in self.touched:
            return value, None
        if name in self.forbidden:
            return ONE, f"not used: {self.state} forbids rating on the {RATING_FACTORS.get(name, name)}"
        excluded = self.excluded.get(name)
        if excluded is not None:
            return ONE, f"not used: {rule_reason(excluded)}"
        used, notes = value, []
        for limit in self.limits.get(name, ()):
            clamped = clamp(used, limit.min, limit.max)
            if clamped != used:
                notes.append(f"limited to [{_bound(limit.min)}, {_bound(limit.max)}] by {rule_reason(limit)}")
                used = clamped
        return used, ("; ".join(notes) or None)


def _bound(value: Decimal | None) -> str:
    return "open" if value is None else str(value)
