"""Audit chain structs: what callers append, what the chain stores, what verification reports."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from msgspec import Meta, Struct

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
EntryKind = Annotated[str, Meta(pattern=KIND_PATTERN.pattern)]
"""An open vocabulary ("quote", "risk_score", "replay", ...): new decision kinds need no migration."""
MAX_DECISION_ID = 64


class NewEntry(Struct, forbid_unknown_fields=True, frozen=True):
    """A decision to record. ``decision_id`` and ``created_at`` default to a new uuid4 and now (UTC)."""

    kind: EntryKind
    payload: Any
    decision_id: str | None = None
    created_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        """Also on plain construction, where msgspec does not apply ``Meta`` constraints."""
        if not KIND_PATTERN.match(self.kind):
            raise ValueError(f"entry kind must match {KIND_PATTERN.pattern}, got {self.kind!r}")
        if self.decision_id is not None and not 0 < len(self.decision_id) <= MAX_DECISION_ID:
            raise ValueError(f"decision id must be 1 to {MAX_DECISION_ID} characters")


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


class Replayed(Struct, forbid_unknown_fields=True, frozen=True):
    """What a kind's replayer found: the decision re-made from its pinned inputs, compared field by field."""

    identical: bool
    differences: list[str]
    versions: dict[str, str | None]
    """The pinned versions the replay used (rate table, ruleset, tenant config, model, code, ...)."""
    original_premium: Decimal | None = None
    replayed_premium: Decimal | None = None


class ReplayResponse(Struct, frozen=True):
    decision_id: str
    identical: bool
    original_premium: Decimal | None
    replayed_premium: Decimal | None
    differences: list[str]
    versions: dict[str, str | None]
    kind: str = "quote"
