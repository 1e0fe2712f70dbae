"""Properties of the impact exhibit over random books of old and new premiums."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.rates.impact import ScenarioChange, compute_impact, pair_by_key

pytestmark = pytest.mark.unit

premiums = st.one_of(
    st.decimals(Decimal("0.01"), Decimal("50000"), places=2),
    st.sampled_from([Decimal(p) for p in ("3.00", "7.00", "0.03", "11.00", "33333.33")]),  # repeating percents
)
books = st.dictionaries(st.text("abcdefgh0123456789", min_size=1, max_size=6), st.tuples(premiums, premiums),
                        min_size=1, max_size=40)


def sides(book: dict[str, tuple[Decimal, Decimal]]) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    return {key: old for key, (old, _) in book.items()}, {key: new for key, (_, new) in book.items()}


@settings(max_examples=150, deadline=None)
@given(books)
def test_bands_partition_the_book(book: dict[str, tuple[Decimal, Decimal]]) -> None:
    impact = compute_impact(pair_by_key(*sides(book)))
    assert sum(row.count for row in impact.bands) == impact.count == len(book)
    assert sum(row.premium_change for row in impact.bands) == impact.premium_change


@settings(max_examples=150, deadline=None)
@given(books)
def test_summary_figures_lie_within_the_policy_changes(book: dict[str, tuple[Decimal, Decimal]]) -> None:
    impact = compute_impact(pair_by_key(*sides(book)))
    changes = [change for change in pair_by_key(*sides(book)) if isinstance(change, ScenarioChange)]
    low, high = min(c.pct_change for c in changes), max(c.pct_change for c in changes)
    assert low <= impact.overall_pct <= high
    assert low <= impact.mean_pct <= high
    assert low <= impact.p05_pct <= impact.median_pct <= impact.p95_pct <= high


@settings(max_examples=150, deadline=None)
@given(books)
def test_swapping_old_and_new_flips_the_dollar_change(book: dict[str, tuple[Decimal, Decimal]]) -> None:
    old, new = sides(book)
    forward, backward = compute_impact(pair_by_key(old, new)), compute_impact(pair_by_key(new, old))
    assert backward.premium_change == -forward.premium_change
    assert (backward.old_premium, backward.new_premium) == (forward.new_premium, forward.old_premium)
    assert (forward.overall_pct > 0) == (backward.overall_pct < 0)


@settings(max_examples=100, deadline=None)
@given(books)
def test_the_order_of_the_results_does_not_matter(book: dict[str, tuple[Decimal, Decimal]]) -> None:
    old, new = sides(book)
    reversed_new = dict(reversed(list(new.items())))
    assert compute_impact(pair_by_key(old, reversed_new)) == compute_impact(pair_by_key(old, new))
