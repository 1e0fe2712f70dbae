"""The hash chain itself, free of any database: sealing entries and checking a sequence of them.

The same ``ChainVerifier`` checks rows read from the database and lines read from an export file,
so "verifies online" and "verifies offline" can never drift apart. Every entry's hash covers its
tenant, seq, decision id, kind, timestamp and payload plus the previous hash, so an edited,
deleted, inserted or reordered entry breaks the chain at its own position.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import msgspec

from saas.audit.schemas import AuditEntry, NewEntry, VerifyResult

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of every tenant's first entry (seq 1)."""


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8; Decimals, datetimes and UUIDs become strings (msgspec's rules)."""
    return msgspec.json.encode(value, order="sorted")


def utc_timestamp(moment: dt.datetime | None = None) -> str:
    """Fixed-width ISO-8601 UTC (microseconds, ``Z``) so timestamps also sort as plain strings."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """Everything the hash covers: all fields but the two hashes themselves."""
    return {
        "tenant_id": entry.tenant_id,
        "seq": entry.seq,
        "decision_id": entry.decision_id,
        "kind": entry.kind,
        "created_at": entry.created_at,
        "payload": entry.payload,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def seal(tenant_id: str, seq: int, new: NewEntry, prev_hash: str) -> AuditEntry:
    """Turn a new decision into chain link ``seq``; the payload is normalised to plain JSON values."""
    payload = msgspec.json.decode(canonical_json(new.payload))
    unsealed = AuditEntry(
        tenant_id=tenant_id,
        seq=seq,
        decision_id=new.decision_id or str(uuid.uuid4()),
        kind=new.kind,
        created_at=utc_timestamp(new.created_at),
        payload=payload,
        prev_hash=prev_hash,
        hash="",
    )
    return msgspec.structs.replace(unsealed, hash=chain_hash(prev_hash, entry_body(unsealed)))


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

    def feed(self, entry: AuditEntry) -> VerifyResult | None:
        """None while the chain holds; the failure (also kept in ``failure``) when it breaks."""
        if self.failure is not None:
            return self.failure
        problem = self._problem(entry)
        if problem is not None:
            return self.fail(problem)
        self.tenant_id, self.last_seq, self.last_hash = entry.tenant_id, entry.seq, entry.hash
        self.checked += 1
        return None

    def _problem(self, entry: AuditEntry) -> str | None:
        first = self.last_seq is None
        if first and self.allow_partial and entry.seq > 1:
            self.last_seq, self.last_hash = entry.seq - 1, entry.prev_hash
        if entry.seq != self.expected_seq:
            return f"expected seq {self.expected_seq}, found seq {entry.seq} (entry missing, inserted or moved)"
        if self.tenant_id is not None and entry.tenant_id != self.tenant_id:
            return f"seq {entry.seq} belongs to tenant {entry.tenant_id!r}, not {self.tenant_id!r}"
        if entry.prev_hash != self.last_hash:
            return f"seq {entry.seq}: prev_hash does not match the hash of the entry before it"
        if chain_hash(entry.prev_hash, entry_body(entry)) != entry.hash:
            return f"seq {entry.seq}: hash does not match its content (entry altered)"
        return None

    def result(self) -> VerifyResult:
        return self.failure or VerifyResult(True, self.checked)
