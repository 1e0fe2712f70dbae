"""Audit chain structs: what callers append, what the chain stores, what verification reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from msgspec import Meta, Struct

EntryKind = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
"""An open vocabulary ("quote", "risk_score", "replay", ...): new decision kinds need no migration."""


class NewEntry(Struct, forbid_unknown_fields=True, frozen=True):
    """A decision to record. ``decision_id`` and ``created_at`` default to a new uuid4 and now (UTC)."""

    kind: EntryKind
    payload: Any
    decision_id: str | None = None
    created_at: dt.datetime | None = None


class AuditEntry(Struct, forbid_unknown_fields=True, frozen=True):
    """One sealed link of a tenant's chain; also the shape of one exported line."""

    tenant_id: str
    seq: int
    decision_id: str
    kind: str
    created_at: str
    payload: Any
    prev_hash: str
    hash: str


class VerifyResult(Struct, forbid_unknown_fields=True, frozen=True):
    """``first_bad_seq`` is the sequence number expected at the first position that does not verify."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
