"""Arithmetic and comparison closures, with an exact integer fast path.

All arithmetic means Decimal under ``DECIMALS``. When the checker proves both operands are
integers (int quote fields, integral literals, counts), ``+ - *`` run on Python ints and fall back
to the context only when the result has more than 28 digits: below that the int result is exactly
the Decimal one, so the fast path changes speed, never a value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from saas.money import MONEY
from saas.rules.paths import Fn

DECIMALS = MONEY
"""The decimal context of every rule: the platform's one money context (``saas.money``)."""

EXACT_INT = 10**28
"""Integers below this magnitude are exact under ``DECIMALS`` (28 digits)."""

ORDER = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
         ">=": operator.ge}
DECIMAL_OPS = {"+": DECIMALS.add, "-": DECIMALS.subtract, "*": DECIMALS.multiply, "/": DECIMALS.divide}
INT_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def arithmetic(op: str, left: Fn, right: Fn, *, ints: bool, nullable: bool,
               constant: tuple[bool, Any] = (False, None)) -> Fn:
    """``left op right``; ``constant`` = (True, value) when the right side is a folded constant."""
    decimal_op = DECIMAL_OPS[op]
    if ints and op in INT_OPS:
        return _int_arithmetic(INT_OPS[op], decimal_op, left, right, constant)
    if nullable:
        return lambda frame: None if (a := left(frame)) is None or (b := right(frame)) is None else decimal_op(a, b)
    return lambda frame: decimal_op(left(frame), right(frame))


def _int_arithmetic(int_op: Callable[[int, int], int], decimal_op: Callable[[Any, Any], Any], left: Fn, right: Fn,
                    constant: tuple[bool, Any]) -> Fn:
    if constant[0]:
        value = constant[1]

        def with_constant(frame: Any) -> Any:
            a = left(frame)
            if a is None:
                return None
            result = int_op(a, value)
            return result if -EXACT_INT < result < EXACT_INT else decimal_op(a, value)

        return with_constant

    def run(frame: Any) -> Any:
        a, b = left(frame), right(frame)
        if a is None or b is None:
            return None
        result = int_op(a, b)
        return result if -EXACT_INT < result < EXACT_INT else decimal_op(a, b)

    return run


def comparison(op: str, left: Fn, right: Fn, *, constant: tuple[bool, bool], values: tuple[Any, Any],
               nullable: bool) -> Fn:
    """``==``/``!=`` compare absence as a value; an ordering with an absent side is false."""
    compare: Callable[[Any, Any], bool] = ORDER[op]
    ordered_nullable = nullable and op not in ("==", "!=")
    if constant[1]:
        value = values[1]
        if ordered_nullable:
            return lambda frame: (a := left(frame)) is not None and compare(a, value)
        return _AGAINST_CONSTANT[op](left, value)
    if constant[0]:
        value = values[0]
        if ordered_nullable:
            return lambda frame: (b := right(frame)) is not None and compare(value, b)
        return lambda frame: compare(value, right(frame))
    if ordered_nullable:
        return lambda frame: (a := left(frame)) is not None and (b := right(frame)) is not None and compare(a, b)
    return lambda frame: compare(left(frame), right(frame))


_AGAINST_CONSTANT: dict[str, Callable[[Fn, Any], Fn]] = {
    "==": lambda get, value: lambda frame: get(frame) == value,
    "!=": lambda get, value: lambda frame: get(frame) != value,
    "<": lambda get, value: lambda frame: get(frame) < value,
    "<=": lambda get, value: lambda frame: get(frame) <= value,
    ">": lambda get, value: lambda frame: get(frame) > value,
    ">=": lambda get, value: lambda frame: get(frame) >= value,
}
"""The commonest comparison, ``field op constant``, with the operator inlined in the closure."""


def negate(inner: Fn) -> Fn:
    minus = DECIMALS.minus
    return lambda frame: None if (value := inner(frame)) is None else minus(value)
