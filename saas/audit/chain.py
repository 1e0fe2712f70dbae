"""The hash chain itself, free of any database: sealing entries and checking a sequence of them.

The same ``ChainVerifier`` checks rows read from the database and lines read from an export file,
so "verifies online" and "verifies offline" can never drift apart. Every entry's hash covers its
tenant, seq, decision id, kind, timestamp and payload plus the previous hash, so an edited,
deleted, inserted or reordered entry breaks the chain at its own position.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import msgspec

from saas.audit.schemas import AuditEntry, NewEntry, VerifyResult
from saas.canonical import canonical_json, sha256_hex
from saas.clock import utc_timestamp

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of every tenant's first entry (seq 1)."""


class Link(NamedTuple):
    """An entry as the chain sees it: the payload kept as its canonical JSON bytes, never re-parsed,
    which keeps sealing, verifying and exporting 10,000 entries cheap."""

    tenant_id: str
    seq: int
    decision_id: str
    kind: str
    created_at: str
    payload_json: bytes
    prev_hash: str
    hash: str

    def entry(self) -> AuditEntry:
        """The readable form, with the payload decoded to plain JSON values."""
        return AuditEntry(self.tenant_id, self.seq, self.decision_id, self.kind, self.created_at,
                          msgspec.json.decode(self.payload_json), self.prev_hash, self.hash)


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """Everything the hash covers: all fields but the two hashes themselves (the definition)."""
    return {
        "tenant_id": entry.tenant_id,
        "seq": entry.seq,
        "decision_id": entry.decision_id,
        "kind": entry.kind,
        "created_at": entry.created_at,
        "payload": entry.payload,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the entry body): the definition ``link_hash`` implements."""
    return sha256_hex(prev_hash.encode("ascii") + canonical_json(body))


_ENCODE = msgspec.json.Encoder().encode


def _digest(tenant_id: str, seq: int, decision_id: str, kind: str, created_at: str, payload_json: bytes,
            prev_hash: str) -> str:
    """``chain_hash`` without re-encoding the payload: the body's keys are spliced in sorted order."""
    body = b"".join((
        prev_hash.encode("ascii"), b'{"created_at":', _ENCODE(created_at), b',"decision_id":', _ENCODE(decision_id),
        b',"kind":', _ENCODE(kind), b',"payload":', payload_json, b',"seq":', _ENCODE(seq),
        b',"tenant_id":', _ENCODE(tenant_id), b"}",
    ))
    return sha256_hex(body)


def link_hash(link: Link) -> str:
    return _digest(*link[:7])


def seal(tenant_id: str, seq: int, new: NewEntry, prev_hash: str, *, now: str | None = None) -> Link:
    """Turn a new decision into chain link ``seq``; ``now`` stamps entries that bring no time."""
    created_at = utc_timestamp(new.created_at) if new.created_at or now is None else now
    fields = (tenant_id, seq, new.decision_id or str(uuid.uuid4()), new.kind, created_at,
              canonical_json(new.payload), prev_hash)
    return Link(*fields, _digest(*fields))


class ChainVerifier:
    """Feeds entries in file/seq order and stops at the first one that breaks the chain.

    The first entry anchors the check: it must be seq 1 with the genesis hash unless the caller
    allows a partial export (a date range), whose first ``prev_hash`` cannot be checked offline.
    """

    def __init__(self, *, allow_partial: bool) -> None:
        self.allow_partial = allow_partial
        self.checked = 0
        self.tenant_id: str | None = None
        self.last_seq: int | None = None
        self.last_hash = GENESIS_HASH
        self.failure: VerifyResult | None = None

    @property
    def expected_seq(self) -> int:
        return 1 if self.last_seq is None else self.last_seq + 1

    def fail(self, reason: str, seq: int | None = None) -> VerifyResult:
        self.failure = VerifyResult(False, self.checked, self.expected_seq if seq is None else seq, reason)
        return self.failure

    def feed(self, entry: Link) -> VerifyResult | None:
        """None while the chain holds; the failure (also kept in ``failure``) when it breaks."""
        if self.failure is not None:
            return self.failure
        problem = self._problem(entry)
        if problem is not None:
            return self.fail(problem)
        self.tenant_id, self.last_seq, self.last_hash = entry.tenant_id, entry.seq, entry.hash
        self.checked += 1
        return None

    def _problem(self, entry: Link) -> str | None:
        first = self.last_seq is None
        if first and self.allow_partial and entry.seq > 1:
            self.last_seq, self.last_hash = entry.seq - 1, entry.prev_hash
        if entry.seq != self.expected_seq:
            return f"expected seq {self.expected_seq}, found seq {entry.seq} (entry missing, inserted or moved)"
        if self.tenant_id is not None and entry.tenant_id != self.tenant_id:
            return f"seq {entry.seq} belongs to tenant {entry.tenant_id!r}, not {self.tenant_id!r}"
        if entry.prev_hash != self.last_hash:
            return f"seq {entry.seq}: prev_hash does not match the hash of the entry before it"
        if link_hash(entry) != entry.hash:
            return f"seq {entry.seq}: hash does not match its content (entry altered)"
        return None

    def result(self) -> VerifyResult:
        return self.failure or VerifyResult(True, self.checked)
