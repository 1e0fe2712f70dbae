"""Factor-level differences between two rate tables, for the review before a draft is approved.

A reviewer signs off on what changes, not on a whole file, so every changed value is reported with
a readable path, its old and new value and its percent change. List entries are addressed by their
natural key, never by position: territories by code (``territories.areas[CA-SF].factor``), bands
by their range (``driver.age_bands[20-24].factor``, open-ended ``[75+]``), deductible credits by
deductible; ZIPs are a set (``territories.areas[CA-SF].zips[94105]`` added or removed). Inserting a
territory therefore does not shift every later one, and reordering or reformatting a file (1.2 vs
1.20, key order, flow or block style) yields no change at all. An entry present on one side only (a
territory, a re-cut band, a coverage load) is one ``added`` or ``removed`` change carrying the whole
entry. Metadata (tenant, state, product, effective date) is reported apart from rate changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import msgspec
from msgspec import Struct

from saas.rates.numbers import percent_change, show_percent
from saas.rating.schemas import RateTableSpec

Kind = Literal["changed", "added", "removed"]
METADATA_FIELDS = frozenset({"tenant", "state", "product", "effective_date"})
_BAND_LISTS = ("vehicle.age_bands", "driver.age_bands", "driver.years_licensed_bands", "driver.violations",
               "driver.at_fault_accidents", "mileage_bands")
KEYED_LISTS: dict[str, tuple[str, ...]] = {
    **{path: ("from", "to") for path in _BAND_LISTS},
    "territories.areas": ("code",),
    "coverages.deductible_credits": ("deductible",),
}
"""Lists of entries (by schema path, without keys) → the fields that form each entry's key. Any other
list must hold plain values and is compared as a set; a new list of entries must be added here."""


class Change(Struct, frozen=True, forbid_unknown_fields=True):
    """One difference. ``old`` / ``new`` are the values as text (a number as written in the table, a
    whole entry in YAML flow style), None on the side where the value is absent. ``pct_change`` is
    (new − old) / old × 100 unrounded, for numbers only: None when old is 0 or not a number."""

    path: str
    kind: Kind
    old: str | None
    new: str | None
    pct_change: Decimal | None = None


class RateDiff(Struct, frozen=True, forbid_unknown_fields=True):
    """Changes of rates (anything a premium depends on) and of metadata, each in table order."""

    rates: list[Change]
    metadata: list[Change]

    @property
    def empty(self) -> bool:
        return not self.rates and not self.metadata


def diff_tables(old: RateTableSpec, new: RateTableSpec) -> RateDiff:
    """Every difference from ``old`` to ``new``, keyed by readable paths."""
    changes: list[Change] = []
    _walk(_plain(old), _plain(new), "", "", changes)
    metadata = [change for change in changes if _root(change.path) in METADATA_FIELDS]
    rates = [change for change in changes if _root(change.path) not in METADATA_FIELDS]
    return RateDiff(rates=rates, metadata=metadata)


def render_text(diff: RateDiff) -> str:
    """A unified-diff-like listing: ``-`` old value, ``+`` new value with its percent change."""
    if diff.empty:
        return "No changes.\n"
    lines: list[str] = []
    for title, changes in (("Metadata changes", diff.metadata), ("Rate changes", diff.rates)):
        if changes:
            lines.append(f"{title} ({len(changes)}):")
            width = max(len(change.path) for change in changes)
            lines.extend(line for change in changes for line in _change_lines(change, width))
    return "\n".join(lines) + "\n"


def _change_lines(change: Change, width: int) -> list[str]:
    lines = [] if change.old is None else [f"- {change.path:<{width}}  {change.old}"]
    if change.new is not None:
        pct = "" if change.pct_change is None else f"  ({show_percent(change.pct_change)})"
        lines.append(f"+ {change.path:<{width}}  {change.new}{pct}")
    return lines


def _plain(spec: RateTableSpec) -> dict[str, Any]:
    plain: dict[str, Any] = msgspec.to_builtins(spec, builtin_types=(Decimal, dt.date))
    return plain


def _root(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _walk(old: Any, new: Any, path: str, schema: str, out: list[Change]) -> None:
    """Compare two plain values; ``schema`` is ``path`` without entry keys (to look up KEYED_LISTS)."""
    if old is None or new is None:
        if old is not None or new is not None:
            out.append(Change(path, "removed" if new is None else "added", _text(old), _text(new)))
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in _union(old, new):
            _walk(old.get(key), new.get(key), _join(path, key), _join(schema, key), out)
    elif isinstance(old, list) and isinstance(new, list):
        if schema in KEYED_LISTS:
            old_entries, new_entries = _entries(old, schema), _entries(new, schema)
            for key in _union(old_entries, new_entries):
                _walk(old_entries.get(key), new_entries.get(key), f"{path}[{key}]", schema, out)
        else:
            _walk_set(old, new, path, schema, out)
    elif type(old) is not type(new) or old != new:
        out.append(Change(path, "changed", _text(old), _text(new), _pct_change(old, new)))


def _pct_change(old: Any, new: Any) -> Decimal | None:
    numbers = isinstance(old, Decimal) and isinstance(new, Decimal) and old != 0
    return percent_change(old, new) if numbers else None


def _walk_set(old: list[Any], new: list[Any], path: str, schema: str, out: list[Change]) -> None:
    """A list of plain values where only membership matters (ZIPs): each member added or removed."""
    if any(isinstance(item, dict | list) for item in (*old, *new)):
        raise TypeError(f"{schema}: a list of entries without a known key; add it to KEYED_LISTS")
    old_members, new_members = {_key_text(item) for item in old}, {_key_text(item) for item in new}
    for member in sorted(old_members - new_members):
        out.append(Change(f"{path}[{member}]", "removed", member, None))
    for member in sorted(new_members - old_members):
        out.append(Change(f"{path}[{member}]", "added", None, member))


def _entries(rows: list[dict[str, Any]], schema: str) -> dict[str, dict[str, Any]]:
    """Entries by their natural key, without the key fields. The schema does not require distinct
    territory codes, so a repeated key is told apart by its occurrence (``CA-SF#2``)."""
    fields = KEYED_LISTS[schema]
    entries: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = _band_key(row) if fields == ("from", "to") else "/".join(_key_text(row[field]) for field in fields)
        label, occurrence = key, 1
        while label in entries:
            occurrence += 1
            label = f"{key}#{occurrence}"
        entries[label] = {name: value for name, value in row.items() if name not in fields}
    return entries


def _band_key(row: dict[str, Any]) -> str:
    return f"{row['from']}+" if row["to"] is None else f"{row['from']}-{row['to']}"


def _key_text(value: Any) -> str:
    """A key as text, the same however it is written: deductible 1000.00 is ``[1000]``."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _union(old: dict[Any, Any], new: dict[Any, Any]) -> list[Any]:
    """Keys of ``old`` in its order, then keys only in ``new`` in theirs: stable, readable output."""
    return [*old, *(key for key in new if key not in old)]


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _text(value: Any) -> str | None:
    """A value as a reviewer reads it: numbers as written (never in exponent form), dates in ISO
    form, entries in YAML flow style with absent (None) fields left out."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_text(item)}" for key, item in value.items() if item is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(str(_text(item)) for item in value) + "]"
    return str(value)
