"""A validated rate table compiled once into the lookups the engine reads per quote.

The engine's budget is a small fraction of a millisecond per quote, so everything that does not
depend on the quote is done here, once per table: bands become sorted start lists for ``bisect``,
territories a dict from ZIP pattern to territory, labels for explanations are pre-formatted.
The content hash pins the table in every decision record: it is the SHA-256 of the canonical JSON
of the decoded table with decimals normalised, so reformatting the YAML, reordering keys or
writing 1.2 as 1.20 keeps the hash, while any change of a rate changes it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from saas.canonical import canonical_json, sha256_hex
from saas.rating.schemas import Band, RateTableSpec


class BandLookup:
    """Whole-number bands (contiguous from 0, validated by the schema) → factor and a label."""

    __slots__ = ("factors", "labels", "starts")

    def __init__(self, bands: list[Band], *, thousands: bool = False) -> None:
        self.starts = [band.start for band in bands]
        self.factors = [band.factor for band in bands]
        self.labels = [_band_label(band, thousands) for band in bands]

    def find(self, value: int) -> tuple[Decimal, str]:
        index = bisect_right(self.starts, value) - 1
        return self.factors[index], self.labels[index]


def _band_label(band: Band, thousands: bool) -> str:
    show = "{:,}".format if thousands else str
    if band.end is None:
        return f"{show(band.start)}+"
    if band.end == band.start:
        return show(band.start)
    return f"{show(band.start)}–{show(band.end)}"


@dataclass(frozen=True, slots=True)
class RateTable:
    """A rate table ready to rate with: the validated spec, its content hash and compiled lookups."""

    spec: RateTableSpec
    content_hash: str
    source: str
    territories: dict[str, tuple[str, Decimal]]
    vehicle_age: BandLookup
    driver_age: BandLookup
    years_licensed: BandLookup
    violations: BandLookup
    accidents: BandLookup
    mileage: BandLookup

    @property
    def tenant(self) -> str:
        return self.spec.tenant

    @property
    def state(self) -> str:
        return self.spec.state

    @property
    def product(self) -> str:
        return self.spec.product

    @property
    def effective_date(self) -> dt.date:
        return self.spec.effective_date

    def territory(self, zip_code: str) -> tuple[str, Decimal, bool]:
        """(code, factor, listed): the longest matching ZIP pattern, else the default territory."""
        for length in range(len(zip_code), 0, -1):
            found = self.territories.get(zip_code[:length])
            if found is not None:
                return found[0], found[1], True
        default = self.spec.territories.default
        return default.code, default.factor, False


def compile_table(spec: RateTableSpec, *, source: str = "") -> RateTable:
    """Build the per-quote lookups of a validated table (``source`` names its file or version)."""
    territories = {pattern: (area.code, area.factor) for area in spec.territories.areas for pattern in area.zips}
    return RateTable(
        spec=spec,
        content_hash=content_hash(spec),
        source=source,
        territories=territories,
        vehicle_age=BandLookup(spec.vehicle.age_bands),
        driver_age=BandLookup(spec.driver.age_bands),
        years_licensed=BandLookup(spec.driver.years_licensed_bands),
        violations=BandLookup(spec.driver.violations),
        accidents=BandLookup(spec.driver.at_fault_accidents),
        mileage=BandLookup(spec.mileage_bands, thousands=True),
    )


def canonical(spec: RateTableSpec) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, decimals without trailing zeros."""
    return canonical_json(spec, normalise_decimals=True)


def content_hash(spec: RateTableSpec) -> str:
    return sha256_hex(canonical(spec))
