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

from saas.audit.chain import ChainVerifier, Link
from saas.audit.schemas import VerifyResult
from saas.canonical import canonical_json

ExportFormat = Literal["jsonl", "csv"]

CSV_COLUMNS = ("tenant_id", "seq", "decision_id", "kind", "created_at", "payload", "prev_hash", "hash")
"""CSV column order; ``payload`` holds the canonical JSON text of the payload."""


class ExportedLine(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One JSON Lines entry: the fields of ``AuditEntry`` with the payload carried as raw JSON."""

    tenant_id: str
    seq: int
    decision_id: str
    kind: str
    created_at: str
    payload: msgspec.Raw
    prev_hash: str
    hash: str


def jsonl_line(link: Link) -> bytes:
    line = ExportedLine(link.tenant_id, link.seq, link.decision_id, link.kind, link.created_at,
                        msgspec.Raw(link.payload_json), link.prev_hash, link.hash)
    return canonical_json(line) + b"\n"


def csv_header() -> bytes:
    return _csv_row(CSV_COLUMNS)


def csv_line(link: Link) -> bytes:
    return _csv_row([link.tenant_id, link.seq, link.decision_id, link.kind, link.created_at,
                     link.payload_json.decode("utf-8"), link.prev_hash, link.hash])


def _csv_row(values: Iterable[object]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


class Unreadable(Exception):
    """A line that is not an export entry at all (truncated, not JSON, missing columns)."""


def read_entries(lines: Iterable[str | bytes]) -> Iterator[Link]:
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


def _canonical_payload(raw: bytes | str | msgspec.Raw) -> bytes:
    """Files may have been re-serialised by other tools: what is hashed is the payload's meaning."""
    return canonical_json(msgspec.json.decode(raw))


def _read_jsonl(texts: Iterator[str]) -> Iterator[Link]:
    for number, text in enumerate(texts, start=1):
        try:
            line = msgspec.json.decode(text.strip(), type=ExportedLine)
            yield Link(line.tenant_id, line.seq, line.decision_id, line.kind, line.created_at,
                       _canonical_payload(line.payload), line.prev_hash, line.hash)
        except msgspec.DecodeError as exc:
            raise Unreadable(f"line {number}: {exc}") from None


def _read_csv(texts: Iterator[str]) -> Iterator[Link]:
    reader = csv.reader(texts)
    if tuple(next(reader, ())) != CSV_COLUMNS:
        raise Unreadable(f"CSV header must be {','.join(CSV_COLUMNS)}")
    for row in reader:
        try:
            tenant_id, seq, decision_id, kind, created_at, payload, prev_hash, hash_ = row
            yield Link(tenant_id, int(seq), decision_id, kind, created_at, _canonical_payload(payload), prev_hash,
                       hash_)
        except (ValueError, msgspec.DecodeError) as exc:
            raise Unreadable(f"line {reader.line_num}: {exc}") from None


def verify_export(lines: Iterable[str | bytes] | str | bytes) -> VerifyResult:
    """Check an export offline (its lines, or its whole text); a date-range export is anchored at its
    first entry. Whole texts are split on newlines only: ``str.splitlines`` would also split inside
    payloads holding U+2028 and friends, which canonical JSON leaves unescaped."""
    if isinstance(lines, str | bytes):
        text = lines.decode("utf-8") if isinstance(lines, bytes) else lines
        lines = text.split("\n")
    verifier = ChainVerifier(allow_partial=True)
    try:
        for entry in read_entries(lines):
            if verifier.feed(entry) is not None:
                break
    except Unreadable as exc:
        return verifier.fail(f"unreadable entry: {exc}")
    return verifier.result()
