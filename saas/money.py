"""The one decimal context of every money and rule computation, and the one rounding at the end.

Replay must re-rate a decision to the identical cent on any machine and any thread, so the engine
never relies on the ambient (thread-local, mutable) decimal context: every intermediate operation
goes through ``MONEY``, and the only rounding to money happens in ``round_premium``.
Intermediates keep 28 significant digits with banker's rounding (no drift over a long product);
the premium itself is rounded half up, as policyholders and regulators expect.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

MONEY = Context(prec=28, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999,
                traps=[InvalidOperation, DivisionByZero, Overflow])
"""Precision and rounding of every intermediate product and sum: the rating engine, rule arithmetic
and the tenant's score mapping all compute under it, so none of them depends on the ambient context.
The three faults (x/0, 0/0, overflow) raise, so a rule can record them instead of computing NaN."""

ZERO = Decimal(0)
ONE = Decimal(1)

multiply = MONEY.multiply
"""``a × b`` under the rating context (bound once: the engine calls it a dozen times per quote)."""
add = MONEY.add
subtract = MONEY.subtract


def round_premium(amount: Decimal, unit: Decimal) -> Decimal:
    """Round once, half up, to a multiple of ``unit`` (0.01 for cents, 1 for whole dollars, 0.05 ...).

    A power-of-ten unit is a plain quantize; any other unit is counted in whole units first. The
    division is exact for every unit a tenant can configure (a power of ten times 1, 2 or 5) at 28
    digits, so this is a single rounding either way.
    """
    if unit.as_tuple().digits == (1,):
        return amount.quantize(unit, rounding=ROUND_HALF_UP, context=MONEY)
    units = MONEY.divide(amount, unit).to_integral_value(rounding=ROUND_HALF_UP, context=MONEY)
    return multiply(units, unit)


def clamp(value: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
    """Clamp to ``[low, high]``; a missing bound leaves that side open."""
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value
