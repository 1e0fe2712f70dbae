"""Field paths resolved once into getters: the only code that touches a Quote at rating time.

A path through an absent optional record (``telematics.miles`` without telematics) reads as None;
quote floats are read as exact Decimals via their shortest repr so all rule arithmetic is Decimal.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from saas.rules.checker import Resolved

Fn = Callable[[Any, Any], Any]
"""A compiled expression: ``fn(quote, element)``; ``element`` is the current item inside any/all/count."""


def path_getter(resolved: Resolved) -> Fn:
    """An attribute getter for a path, stopping at None and reading floats as exact Decimals."""
    from_element = resolved.scope == "element"
    if resolved.leaf.read_as == "float":
        convert: Callable[[Any], Any] | None = _float_to_decimal
    else:
        convert = None
    if not any(resolved.nullable_steps[:-1]) and convert is None:
        getter = operator.attrgetter(".".join(resolved.attrs))
        if from_element:
            return lambda quote, element: getter(element)
        return lambda quote, element: getter(quote)
    attrs = resolved.attrs

    def read(quote: Any, element: Any) -> Any:
        value = element if from_element else quote
        for name in attrs:
            value = getattr(value, name)
            if value is None:
                return None
        return convert(value) if convert is not None else value

    return read


def _float_to_decimal(value: float) -> Decimal:
    """The float's shortest repr, so 0.1 reads as Decimal('0.1'), not its binary expansion."""
    return Decimal(repr(value))
