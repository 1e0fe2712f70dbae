"""Strict msgspec structs: the ruleset YAML file, and what evaluating a ruleset returns.

The file structs refuse unknown keys (a typo like ``multipy`` is an error with a suggestion, never
a rule that silently does nothing). Checks needing the factor vocabulary, the citation map or the
quote schema run in ``saas.rules.service``, where they can be located in the file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

MAX_RULES = 500
"""Most rules one file may hold; a state's real rules number in the tens."""

Action = Literal["multiply", "add", "limit", "exclude", "decline"]
ACTION_NAMES: tuple[Action, ...] = ("multiply", "add", "limit", "exclude", "decline")
ACTIONS: tuple[str, ...] = ACTION_NAMES
FeatureGroup = Literal["behavioral", "contextual", "phone_usage", "mileage"]
RuleId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="kebab-case rule id")]
Text = Annotated[str, Meta(min_length=1, max_length=500)]


class Limit(Struct, forbid_unknown_fields=True, frozen=True):
    """Clamp a rating factor into ``[min, max]``: ``[1, 1]`` neutralises it."""

    factor: str
    min: Decimal
    max: Decimal

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.min <= self.max:
            raise ValueError(f"limit needs 0 <= min <= max, got min {self.min} and max {self.max}")


class Rule(Struct, forbid_unknown_fields=True, frozen=True):
    id: RuleId
    explain: Text
    cite: str
    when: str | None = None
    """Condition in the DSL; a rule without ``when`` always applies."""
    multiply: Decimal | None = None
    add: Decimal | None = None
    limit: Limit | None = None
    exclude: str | None = None
    decline: Text | None = None

    def __post_init__(self) -> None:
        present = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(present) != 1:
            found = ", ".join(present) or "none"
            raise ValueError(f"a rule needs exactly one action of {', '.join(ACTIONS)}; found {found}")
        if self.multiply is not None and not Decimal(0) <= self.multiply <= Decimal(10):
            raise ValueError(f"multiply must be between 0 and 10, got {self.multiply}")

    @property
    def action(self) -> Action:
        found: Action = next(name for name in ACTION_NAMES if getattr(self, name) is not None)
        return found


class RulesetFile(Struct, forbid_unknown_fields=True, frozen=True):
    """``rulesets/<STATE>.yaml``; ``default.yaml`` says ``state: DEFAULT``.

    ``rules`` are decoded one by one (``Rule``) so that one file reports every broken rule, not
    only the first one msgspec meets.
    """

    state: Annotated[str, Meta(pattern=r"^([A-Z]{2}|DEFAULT)$")]
    title: Text
    citations: dict[str, Text]
    rules: Annotated[list[dict[str, Any]], Meta(max_length=MAX_RULES)]
    forbidden_factors: list[str] = msgspec.field(default_factory=list)
    forbidden_features: list[FeatureGroup] = msgspec.field(default_factory=list)


class Adjustment(Struct, frozen=True):
    """One applied effect, as the rating engine consumes it and the decision record keeps it."""

    rule_id: str
    action: Action
    value: Decimal | None = None
    factor: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    explain: str = ""
    cite: str | None = None
    """The citation text (statute or guideline), not its key."""


class RuleTrace(Struct, frozen=True):
    rule_id: str
    matched: bool
    inputs: dict[str, str]
    """Field path → value read, as text (``drivers[].violations`` lists every driver's value)."""
    effect: str | None
    """What the rule did (``multiply 0.80``), ``fault: ...`` for a runtime fault, None if not matched."""


class Evaluation(Struct, frozen=True):
    adjustments: list[Adjustment]
    """Applied effects in rule order (DEFAULT rules first); a decline is not among them."""
    trace: list[RuleTrace] = msgspec.field(default_factory=list)
    declined: Adjustment | None = None
