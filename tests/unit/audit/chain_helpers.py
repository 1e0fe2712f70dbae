"""Building chains and export lines in memory, for tests that tamper with them."""

from __future__ import annotations

import datetime as dt

from saas.audit.chain import GENESIS_HASH, Link, link_hash, seal
from saas.audit.export import csv_header, csv_line, jsonl_line
from saas.audit.schemas import NewEntry

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def build_chain(count: int, tenant_id: str = "acme") -> list[Link]:
    entries: list[Link] = []
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        new = NewEntry("quote", {"premium": f"{100 + seq}.25", "n": seq}, created_at=T0 + dt.timedelta(hours=seq))
        entries.append(seal(tenant_id, seq, new, prev))
        prev = entries[-1].hash
    return entries


def relink(links: list[Link]) -> list[Link]:
    """Recompute every prev_hash and hash: what a forger who rewrites a whole file would do."""
    out: list[Link] = []
    for link in links:
        moved = link._replace(prev_hash=out[-1].hash if out else GENESIS_HASH)
        out.append(moved._replace(hash=link_hash(moved)))
    return out


def export_lines(entries: list[Link], fmt: str) -> list[str]:
    if fmt == "jsonl":
        return [jsonl_line(entry).decode() for entry in entries]
    return [csv_header().decode(), *(csv_line(entry).decode() for entry in entries)]


def body_offset(fmt: str) -> int:
    """Index of the first entry line (CSV has a header line)."""
    return 0 if fmt == "jsonl" else 1
