"""Request structs of the content routes that are not shared with every kind."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

RulesetState = Annotated[str, Meta(pattern=r"^([A-Z]{2}|DEFAULT)$", description="a state, or DEFAULT")]


class RulesetRollback(Struct, forbid_unknown_fields=True, frozen=True):
    """Which state's ruleset to roll back (``DEFAULT`` for the platform's default rules);
    a configuration rollback takes no body."""

    state: RulesetState | None = None
