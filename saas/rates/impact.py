"""The premium impact exhibit of a rate change: how a book of scenarios moves from old to new rates.

A rate filing must show regulators how policyholders are affected, not just the average: the
distribution of percent changes, the extremes, the premium-weighted overall change and how many
policies fall in each band of change. Old and new premiums are matched by scenario key only (a
positional match silently pairs the wrong policies when one run skips or reorders a scenario).
Everything here is exact ``Decimal`` (computed under the rating context); rounding to 2-place
percents and cents happens only when an exhibit is rendered (``saas.rates.impact_render``).

Bands, by the unrounded percent change ``p``; each edge belongs to the band nearer 0 %, and only an
exactly unchanged premium is in the 0 % band (a change of +0.001 % is in ``0% to +5%``)::

    < -10%          p < -10
    -10% to -5%     -10 <= p < -5
    -5% to 0%        -5 <= p < 0
    0%                p == 0
    0% to +5%         0 < p <= 5
    +5% to +10%       5 < p <= 10
    > +10%                 p > 10
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal

from msgspec import Struct

from saas.money import MONEY as RATING_CONTEXT
from saas.money import ZERO
from saas.rates.numbers import EXACT, percent_change

BANDS: tuple[tuple[str, str], ...] = (
    ("< -10%", "p < -10%"),
    ("-10% to -5%", "-10% <= p < -5%"),
    ("-5% to 0%", "-5% <= p < 0%"),
    ("0%", "p = 0% (unchanged)"),
    ("0% to +5%", "0% < p <= +5%"),
    ("+5% to +10%", "+5% < p <= +10%"),
    ("> +10%", "p > +10%"),
)
"""(label, rule) of each band, in order; ``p`` is a policy's unrounded percent change."""
_NEGATIVE_EDGES = (Decimal(-10), Decimal(-5))
_POSITIVE_EDGES = (Decimal(5), Decimal(10))


class ScenarioChange(Struct, frozen=True, forbid_unknown_fields=True):
    """One scenario priced under both tables: premiums, ``change`` = new − old, and ``pct_change``."""

    key: str
    old: Decimal
    new: Decimal
    change: Decimal
    pct_change: Decimal


class ScenarioError(Struct, frozen=True, forbid_unknown_fields=True):
    """A scenario that could not be priced under the old and/or new table; left out of every figure."""

    key: str
    message: str


class BandRow(Struct, frozen=True, forbid_unknown_fields=True):
    """One band of percent change: how many policies fall in it and their premium change in dollars."""

    label: str
    rule: str
    count: int
    premium_change: Decimal


class Impact(Struct, frozen=True, forbid_unknown_fields=True):
    """The exhibit, unrounded. Percents are percent points (5.08 means +5.08 %). ``overall_pct`` is
    premium-weighted: (sum new / sum old − 1) × 100. Percentiles interpolate linearly between the
    closest ranks (numpy's default, Excel's PERCENTILE.INC); the median is the 50th percentile. The
    largest increase / decrease is by percent (ties: the smallest key), None when no premium rose / fell."""

    count: int
    errors: list[ScenarioError]
    old_premium: Decimal
    new_premium: Decimal
    premium_change: Decimal
    overall_pct: Decimal
    mean_pct: Decimal
    median_pct: Decimal
    p05_pct: Decimal
    p95_pct: Decimal
    largest_increase: ScenarioChange | None
    largest_decrease: ScenarioChange | None
    bands: list[BandRow]


class KeyMismatchError(ValueError):
    """The old and new runs do not cover the same scenarios, so no change can be stated."""


def scenario_change(key: str, old: Decimal, new: Decimal) -> ScenarioChange:
    """Pair one scenario's premiums; a declined quote (premium 0) has no percent change and should
    be passed as a ``ScenarioError`` instead."""
    if not (old.is_finite() and new.is_finite()) or old <= 0 or new < 0:
        raise ValueError(f"scenario {key}: premiums must be old > 0 and new >= 0, got {old} and {new}")
    return ScenarioChange(key, old, new, EXACT.subtract(new, old), percent_change(old, new))


def pair_by_key(old: Mapping[str, Decimal | ScenarioError],
                new: Mapping[str, Decimal | ScenarioError]) -> list[ScenarioChange | ScenarioError]:
    """Match old and new results by scenario key (sorted by key); refuse runs over different keys.
    A scenario that failed on either side becomes a ``ScenarioError`` naming the side(s)."""
    only_old, only_new = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    if only_old or only_new:
        raise KeyMismatchError(f"old and new results must cover the same scenario keys; "
                               f"only in old: {_some(only_old)}; only in new: {_some(only_new)}")
    return [_pair(key, old[key], new[key]) for key in sorted(old)]


def _pair(key: str, old: Decimal | ScenarioError, new: Decimal | ScenarioError) -> ScenarioChange | ScenarioError:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return scenario_change(key, old, new)
    failures = [f"{side} table: {result.message}" for side, result in (("old", old), ("new", new))
                if isinstance(result, ScenarioError)]
    return ScenarioError(key, "; ".join(failures))


def _some(keys: list[str], shown: int = 5) -> str:
    """A few keys for an error message (a run can have thousands)."""
    if not keys:
        return "none"
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def compute_impact(results: Iterable[ScenarioChange | ScenarioError]) -> Impact:
    """The exhibit over every priced scenario; errors are listed, not counted. Needs one priced scenario."""
    listed = sorted(results, key=lambda result: result.key)
    repeated = sorted(key for key, seen in Counter(result.key for result in listed).items() if seen > 1)
    if repeated:
        raise ValueError(f"scenario keys must be unique, repeated: {_some(repeated)}")
    changes = [result for result in listed if isinstance(result, ScenarioChange)]
    errors = [result for result in listed if isinstance(result, ScenarioError)]
    if not changes:
        raise ValueError(f"no scenario was priced under both tables ({len(errors)} errors)")
    pcts = sorted(change.pct_change for change in changes)
    old_total, new_total = _sum(c.old for c in changes), _sum(c.new for c in changes)
    highest, lowest = max(changes, key=_pct), min(changes, key=_pct)
    return Impact(
        count=len(changes), errors=errors, old_premium=old_total, new_premium=new_total,
        premium_change=EXACT.subtract(new_total, old_total), overall_pct=percent_change(old_total, new_total),
        mean_pct=RATING_CONTEXT.divide(_sum(pcts), Decimal(len(pcts))), median_pct=percentile(pcts, Decimal("0.5")),
        p05_pct=percentile(pcts, Decimal("0.05")), p95_pct=percentile(pcts, Decimal("0.95")),
        largest_increase=highest if highest.pct_change > 0 else None,
        largest_decrease=lowest if lowest.pct_change < 0 else None,
        bands=_bands(changes),
    )


def band_index(pct: Decimal) -> int:
    """Index into ``BANDS`` of a percent change (edges go to the band nearer 0 %, see the module doc)."""
    if pct < 0:
        return bisect_right(_NEGATIVE_EDGES, pct)
    if pct == 0:
        return 3
    return 4 + bisect_left(_POSITIVE_EDGES, pct)


def percentile(ordered: list[Decimal], fraction: Decimal) -> Decimal:
    """Linear interpolation between closest ranks of sorted values (numpy "linear", PERCENTILE.INC)."""
    position = EXACT.multiply(Decimal(len(ordered) - 1), fraction)
    low = int(position)
    if low + 1 >= len(ordered):
        return ordered[low]
    step = EXACT.subtract(ordered[low + 1], ordered[low])
    weight = EXACT.subtract(position, Decimal(low))
    return RATING_CONTEXT.plus(EXACT.add(ordered[low], EXACT.multiply(weight, step)))


def _bands(changes: list[ScenarioChange]) -> list[BandRow]:
    counts = [0] * len(BANDS)
    dollars = [ZERO] * len(BANDS)
    for change in changes:
        index = band_index(change.pct_change)
        counts[index] += 1
        dollars[index] = EXACT.add(dollars[index], change.change)
    rows = zip(BANDS, counts, dollars, strict=True)
    return [BandRow(label, rule, count, amount) for (label, rule), count, amount in rows]


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = EXACT.add(total, value)
    return total


def _pct(change: ScenarioChange) -> Decimal:
    return change.pct_change
