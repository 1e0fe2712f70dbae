"""Percent changes and their presentation, shared by the rate diff and the impact exhibit.

A rate filing is checked by people who recompute figures by hand, so every percent is kept exact
(28 significant digits under the rating context, independent of the ambient decimal context) and
rounded only when shown: percents to 2 places and money to cents, both half up, as regulators read
them. The sign is always shown on a change so that a decrease is never mistaken for an increase.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

from saas.money import MONEY as RATING_CONTEXT

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
EXACT = Context(prec=200, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
"""Differences, sums and interpolations are exact at 200 digits for any real table or book; each
reported percent is then rounded once, to the rating context's 28 digits. One monotone rounding keeps
a weighted change, a mean or a percentile between the values it summarises."""


def percent_change(old: Decimal, new: Decimal) -> Decimal:
    """(new − old) / old × 100, unrounded. ``old`` must not be 0: there is no percent of nothing."""
    if old == 0:
        raise ValueError("no percent change from 0")
    return RATING_CONTEXT.divide(EXACT.multiply(EXACT.subtract(new, old), HUNDRED), old)


def show_percent(value: Decimal) -> str:
    """``+5.08%``, ``-3.10%``, ``0.00%``: the sign comes from the unrounded value, so a tiny change
    that rounds to 0.00 still says which way it went."""
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}{abs(value).quantize(CENT, rounding=ROUND_HALF_UP, context=RATING_CONTEXT)}%"


def show_money(value: Decimal, *, signed: bool = False) -> str:
    """``$1,234.57`` (or ``+$1,234.57`` / ``-$1,234.57`` with ``signed``), rounded half up to cents."""
    cents = abs(value).quantize(CENT, rounding=ROUND_HALF_UP, context=RATING_CONTEXT)
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    return f"{sign}${cents:,}"
