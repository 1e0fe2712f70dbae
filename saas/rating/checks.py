"""Checks shared by the rate table structs' ``__post_init__`` methods.

Each failure names the offending sub-path at the start of its message (``age_bands[2].from: ...``):
msgspec reports a ``__post_init__`` error at the struct's own path, and the loader appends this
sub-path so the error points at the exact line of the YAML file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from saas.rating.schemas import Band

K = TypeVar("K")
MAX_FACTOR = Decimal(10)
"""No single rating factor may multiply a premium by more than this; larger values are typos."""
MAX_AMOUNT = Decimal(100_000)


def check_factor(name: str, value: Decimal) -> None:
    """A factor of 0 would erase the premium and a negative one would pay the policyholder."""
    if not value.is_finite() or not 0 < value <= MAX_FACTOR:
        raise ValueError(f"{name}: a factor must be in (0, {MAX_FACTOR}], got {value}")


def check_amount(name: str, value: Decimal, *, positive: bool = False) -> None:
    """Money amounts in a table: base premiums must be positive, flat loads may be 0."""
    low_ok = value > 0 if positive else value >= 0
    if not value.is_finite() or not low_ok or value > MAX_AMOUNT:
        bound = "(0" if positive else "[0"
        raise ValueError(f"{name}: an amount must be in {bound}, {MAX_AMOUNT}], got {value}")


def check_factors(name: str, table: Mapping[K, Decimal], expected: Iterable[K]) -> None:
    """Every value a quote can carry needs a factor: a missing key would fail a live quote."""
    missing = [str(key) for key in expected if key not in table]
    if missing:
        raise ValueError(f"{name}: no factor for {', '.join(missing)} (every value needs one)")
    for key, value in table.items():
        check_factor(f"{name}.{key}", value)


def check_bands(name: str, bands: Sequence[Band]) -> None:
    """Bands start at 0, follow each other without gap or overlap, and the last one is open-ended."""
    if not bands:
        raise ValueError(f"{name}: at least one band is required")
    expected = 0
    for index, band in enumerate(bands):
        where = f"{name}[{index}]"
        if band.start != expected:
            why = "the first band must start at 0" if index == 0 else f"the previous band ends at {expected - 1}"
            raise ValueError(f"{where}.from: starts at {band.start}, but {why}: bands must be contiguous")
        last = index == len(bands) - 1
        if band.end is None and not last:
            raise ValueError(f"{where}: only the last band may omit 'to'")
        if band.end is not None and last:
            raise ValueError(f"{where}.to: the last band must omit 'to' so that every larger value is rated")
        if band.end is not None:
            if band.end < band.start:
                raise ValueError(f"{where}.to: ends at {band.end}, before its start {band.start}")
            expected = band.end + 1
        check_factor(f"{where}.factor", band.factor)
