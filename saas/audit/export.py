"""Export file formats (JSON Lines and CSV) and their offline verification.

Each line carries seq, prev_hash and hash next to the hashed fields, so compliance can verify a
file with nothing but this module (``saas audit verify FILE``), away from our database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Literal

import msgspec

from saas.audit.chain import ChainVerifier, canonical_json
from saas.audit.schemas import AuditEntry, VerifyResult

ExportFormat = Literal["jsonl", "csv"]

CSV_COLUMNS = ("tenant_id", "seq", "decision_id", "kind", "created_at", "payload", "prev_hash", "hash")
"""CSV column order; ``payload`` holds the canonical JSON text of the payload."""


def jsonl_line(entry: AuditEntry) -> bytes:
    return canonical_json(entry) + b"\n"


def csv_header() -> bytes:
    return _csv_row(CSV_COLUMNS)


def csv_line(entry: AuditEntry) -> bytes:
    values = [getattr(entry, name) for name in CSV_COLUMNS]
    values[CSV_COLUMNS.index("payload")] = canonical_json(entry.payload).decode("utf-8")
    return _csv_row(values)


def _csv_row(values: Iterable[object]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


class Unreadable(Exception):
    """A line that is not an export entry at all (truncated, not JSON, missing columns)."""


def read_entries(lines: Iterable[str | bytes]) -> Iterator[AuditEntry]:
    """Entries of an export in file order; the format is told by the first non-blank line."""
    texts = (line.decode("utf-8") if isinstance(line, bytes) else line for line in lines)
    texts = (text for text in texts if text.strip())
    first = next(texts, None)
    if first is None:
        return
    rest = _prepend(first, texts)
    yield from (_read_jsonl(rest) if first.lstrip().startswith("{") else _read_csv(rest))


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _read_jsonl(texts: Iterator[str]) -> Iterator[AuditEntry]:
    for number, text in enumerate(texts, start=1):
        try:
            yield msgspec.json.decode(text.strip(), type=AuditEntry)
        except msgspec.DecodeError as exc:
            raise Unreadable(f"line {number}: {exc}") from None


def _read_csv(texts: Iterator[str]) -> Iterator[AuditEntry]:
    reader = csv.DictReader(texts)
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise Unreadable(f"CSV header must be {','.join(CSV_COLUMNS)}")
    for row in reader:
        try:
            fields = {**row, "seq": int(row["seq"]), "payload": msgspec.json.decode(row["payload"])}
            yield msgspec.convert(fields, AuditEntry)
        except (ValueError, TypeError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise Unreadable(f"line {reader.line_num}: {exc}") from None


def verify_export(lines: Iterable[str | bytes]) -> VerifyResult:
    """Check an export file offline; a date-range export is anchored at its first entry."""
    verifier = ChainVerifier(allow_partial=True)
    try:
        for entry in read_entries(lines):
            if verifier.feed(entry) is not None:
                break
    except Unreadable as exc:
        return verifier.fail(f"unreadable entry: {exc}")
    return verifier.result()
