"""Timestamps as every stored record writes them.

Audit entries, keys, snapshots and rate versions sort and compare timestamps as plain strings on
both SQLite and PostgreSQL, which only works if every writer uses the same fixed-width UTC form.
"""

from __future__ import annotations

import datetime as dt


def utc_timestamp(moment: dt.datetime | None = None) -> str:
    """Fixed-width ISO-8601 UTC (microseconds, ``Z``) so timestamps also sort as plain strings."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of ``utc_timestamp`` (replay re-creates a decision's own clock)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
