"""Field paths resolved once into getters: the only code that touches a Quote at rating time.

A compiled expression takes one argument, its frame: the quote at the top level, the list element
inside ``any/all/count(list, ...)`` when the body reads only element fields, or the pair
``(quote, element)`` when it reads both. Most paths therefore compile to a bare
``operator.attrgetter``, a C call. A path through an absent optional record
(``telematics.miles`` without telematics) reads as None; quote floats are read as exact Decimals
via their shortest repr, so all rule arithmetic is Decimal.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from saas.rules.checker import Resolved

Fn = Callable[[Any], Any]
"""A compiled expression: ``fn(frame) -> value``."""

ROOT, ELEMENT, PAIR = "root", "element", "pair"
"""Frame shapes: the quote, the current list element, or ``(quote, element)``."""


def path_getter(resolved: Resolved, frame: str) -> Fn:
    """A getter for ``resolved`` in a frame of the given shape."""
    segments = _segments(resolved)
    convert = _float_to_decimal if resolved.leaf.read_as == "float" else None
    if frame == PAIR:
        inner = _chain(segments, convert)
        pick = operator.itemgetter(0 if resolved.scope == ROOT else 1)
        return lambda pair: inner(pick(pair))
    return _chain(segments, convert)


def _segments(resolved: Resolved) -> list[Fn]:
    """Attribute runs that cannot meet None inside, split after every step that may be None."""
    runs: list[list[str]] = [[]]
    last = len(resolved.attrs) - 1
    for index, (name, nullable) in enumerate(zip(resolved.attrs, resolved.nullable_steps, strict=True)):
        runs[-1].append(name)
        if nullable and index < last:
            runs.append([])
    return [operator.attrgetter(".".join(run)) for run in runs]


def _chain(segments: list[Fn], convert: Callable[[Any], Any] | None) -> Fn:
    if len(segments) == 1 and convert is None:
        return segments[0]
    if len(segments) == 1:
        only = segments[0]
        return lambda frame: None if (value := only(frame)) is None else _float_to_decimal(value)
    if len(segments) == 2:
        first, second = segments
        if convert is None:
            return lambda frame: None if (value := first(frame)) is None else second(value)
        return lambda frame: (None if (value := first(frame)) is None or (leaf := second(value)) is None
                              else _float_to_decimal(leaf))

    def read(frame: Any) -> Any:
        value = frame
        for segment in segments:
            value = segment(value)
            if value is None:
                return None
        return convert(value) if convert is not None else value

    return read


def _float_to_decimal(value: float) -> Decimal:
    """The float's shortest repr, so 0.1 reads as Decimal('0.1'), not its binary expansion."""
    return Decimal(repr(value))
