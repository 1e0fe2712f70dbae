"""Dollar effects that add up: splitting a price difference among the factors that caused it.

A notice must say which factors moved the price and by how much, and a regulator will add the
figures up. So every split here is exact by construction: shares are computed in Decimal, then
rounded to cents by the largest-remainder method, which hands out the cents the rounding lost to
the shares that lost most. The rounded effects therefore sum to the rounded difference exactly,
and no effect is more than a cent from its exact share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal, localcontext

from saas.money import MONEY, ONE, ZERO

CENT = Decimal("0.01")


def to_cents(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` (a whole number of cents) split in proportion to ``weights`` (any signs), in cents.

    Weights summing to zero cannot carry a non-zero total; then everything goes to the first weight
    of largest magnitude, so the sum still holds (callers avoid that case where it has a meaning)."""
    if not weights:
        if total != ZERO:
            raise ValueError(f"nothing to split {total} among")
        return []
    with localcontext(MONEY):
        whole = sum(weights, ZERO)
        if whole == ZERO:
            first = max(range(len(weights)), key=lambda i: abs(weights[i]))
            return [total.quantize(CENT) if i == first else ZERO.quantize(CENT) for i in range(len(weights))]
        exact = [total * w / whole for w in weights]
        floors = [e.quantize(CENT, rounding=ROUND_FLOOR) for e in exact]
        missing = int(((total - sum(floors, ZERO)) / CENT).to_integral_value())
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:missing]:
            floors[i] += CENT
    return floors


def log_shares(factors: Sequence[Decimal]) -> list[Decimal]:
    """How much of a product's distance from 1 each factor is responsible for: ln(f) each.

    For ``Π f − 1`` the logarithm is the one order-free split (a factor of 1.2 then 1.1 and the
    reverse give the same shares); factors of exactly 1 get nothing."""
    return [Decimal(repr(math.log(float(f)))) if f != ONE else ZERO for f in factors]


def as_decimal(value: float) -> Decimal:
    """A float contribution as the Decimal of its shortest repr (deterministic across machines)."""
    return Decimal(repr(float(value)))
