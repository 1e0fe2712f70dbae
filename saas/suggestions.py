""""Did you mean" for every unknown name a person typed: YAML keys, DSL fields, functions, factors.

One helper, so a partner admin gets the same kind of hint from a tenant file and from a ruleset.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def nearest(name: str, known: Sequence[str], *, cutoff: float = 0.6) -> str | None:
    """The nearest known name: a case slip (``"SUV"``), then a word of a name (``age`` →
    ``driver_age``), then the closest spelling at or above ``cutoff``."""
    lowered = name.lower()
    folded = [each for each in known if each.lower() == lowered]
    part_of = [each for each in known if lowered in each.lower().split("_")]
    near = folded or part_of or difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return near[0] if near else None


def did_you_mean(name: str, known: Sequence[str], *, cutoff: float = 0.6) -> str | None:
    """``"did you mean 'x'?"`` or None."""
    near = nearest(name, known, cutoff=cutoff)
    return f"did you mean '{near}'?" if near else None
