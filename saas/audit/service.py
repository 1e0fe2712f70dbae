"""The tenant's audit chain in the database: append, read, export, verify.

Appends run in the caller's transaction (the decision and its audit entry commit together or not
at all) and lock the tenant's head row first: on PostgreSQL with SELECT ... FOR UPDATE, on SQLite
by taking the single writer lock with the head upsert. Either way seq stays gapless under
concurrent appends from any number of processes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.chain import GENESIS_HASH, ChainVerifier, Link, seal
from saas.audit.export import ExportFormat, csv_header, csv_line, jsonl_line
from saas.audit.models import AuditEntryRow, AuditHead
from saas.audit.schemas import AuditEntry, NewEntry, VerifyResult
from saas.clock import utc_timestamp
from saas.db import Base
from saas.errors import Conflict, ValidationFailed
from saas.tenancy.scoping import TenantRepository

AUDIT_ENTRIES = Base.metadata.tables["audit_entries"]

PAGE_SIZE = 1000
"""Rows read per query by export and verify: memory stays flat however long the chain is."""


class AuditRepository(TenantRepository[AuditEntryRow]):
    model = AuditEntryRow
    noun = "decision"


class HeadRepository(TenantRepository[AuditHead]):
    model = AuditHead
    noun = "audit head"


async def _lock_head(session: AsyncSession, tenant_id: str) -> tuple[int, str]:
    """Create the head if this is the tenant's first entry, then lock it for this transaction."""
    heads = HeadRepository(session, tenant_id)
    create = heads.insert(last_seq=0, last_hash=GENESIS_HASH).on_conflict_do_nothing(index_elements=["tenant_id"])
    locked = heads.statement().with_only_columns(AuditHead.last_seq, AuditHead.last_hash).with_for_update()
    if session.get_bind().dialect.name == "sqlite":  # write first: a read would not take SQLite's writer lock
        await heads.execute(create)
        head = (await heads.execute(locked)).one()
    else:  # PostgreSQL: lock the existing head; create it only for the tenant's first entry
        head = (await heads.execute(locked)).one_or_none()
        if head is None:
            await heads.execute(create)
            head = (await heads.execute(locked)).one()
    return int(head[0]), str(head[1])


COLUMNS = ("tenant_id", "seq", "decision_id", "kind", "created_at", "payload", "prev_hash", "hash")


def _values(link: Link) -> tuple[Any, ...]:
    """A link as a row of ``COLUMNS``: the same order, the payload as text."""
    return (*link[:5], link.payload_json.decode("utf-8"), *link[6:])


def _link(row: AuditEntryRow) -> Link:
    return Link(row.tenant_id, row.seq, row.decision_id, row.kind, row.created_at, row.payload.encode("utf-8"),
                row.prev_hash, row.hash)


async def _insert(session: AsyncSession, links: list[Link]) -> None:
    """Through Core, not the ORM: for 10,000-quote batches the ORM's per-row bookkeeping doubled the cost.
    (PostgreSQL's COPY was measured too and gained nothing over the batched multi-row INSERT.)"""
    connection = await session.connection()
    try:
        await connection.execute(insert(AUDIT_ENTRIES), [dict(zip(COLUMNS, _values(link), strict=True))
                                                         for link in links])
    except IntegrityError as exc:
        raise Conflict("a decision id in this batch is already recorded") from exc


async def append_decisions(session: AsyncSession, tenant_id: str, entries: Sequence[NewEntry]) -> list[AuditEntry]:
    """Seal and insert ``entries`` in order; the caller commits, or rolls back on any error.

    The returned entries carry each payload as given; what was stored and hashed is its canonical JSON.
    """
    if not entries:
        return []
    seq, prev_hash = await _lock_head(session, tenant_id)
    now = utc_timestamp()
    sealed: list[Link] = []
    for new in entries:
        seq += 1
        sealed.append(seal(tenant_id, seq, new, prev_hash, now=now))
        prev_hash = sealed[-1].hash
    await _insert(session, sealed)
    heads = HeadRepository(session, tenant_id)
    await heads.execute(heads.update().values(last_seq=seq, last_hash=prev_hash))
    return [AuditEntry(link.tenant_id, link.seq, link.decision_id, link.kind, link.created_at, new.payload,
                       link.prev_hash, link.hash) for link, new in zip(sealed, entries, strict=True)]


async def get_decision(session: AsyncSession, tenant_id: str, decision_id: str) -> AuditEntry:
    """The tenant's decision; another tenant's decision is NotFound, like one that never existed."""
    row = await AuditRepository(session, tenant_id).get_one(AuditEntryRow.decision_id == decision_id,
                                                            ident=decision_id)
    return _link(row).entry()


async def _pages(repo: AuditRepository, first: int, last: int) -> AsyncIterator[list[Link]]:
    """Entries ``first..last`` in seq order, PAGE_SIZE at a time (keyset pagination on seq)."""
    after = first - 1
    while after < last:
        stmt = repo.statement().with_only_columns(*(AUDIT_ENTRIES.c[name] for name in COLUMNS))
        stmt = stmt.where(AuditEntryRow.seq > after, AuditEntryRow.seq <= last).order_by(AuditEntryRow.seq)
        rows = (await repo.session.execute(stmt.limit(PAGE_SIZE))).all()
        if not rows:
            return
        yield [Link(r[0], r[1], r[2], r[3], r[4], r[5].encode("utf-8"), r[6], r[7]) for r in rows]
        after = rows[-1][1]


async def _seq_range(repo: AuditRepository, start: dt.datetime | None, end: dt.datetime | None) -> tuple[int, int]:
    """The seq span of entries created in [start, end): exported whole, so the file has no gaps."""
    column = AuditEntryRow.created_at
    low = repo.statement().with_only_columns(func.min(AuditEntryRow.seq))
    high = repo.statement().with_only_columns(func.max(AuditEntryRow.seq))
    if start is not None:
        low = low.where(column >= utc_timestamp(start))
    if end is not None:
        high = high.where(column < utc_timestamp(end))
    first = (await repo.session.execute(low)).scalar()
    last = (await repo.session.execute(high)).scalar()
    if first is None or last is None:
        return 1, 0
    return first, last


async def export(session: AsyncSession, tenant_id: str, start: dt.datetime | None = None,
                 end: dt.datetime | None = None, fmt: ExportFormat = "jsonl") -> AsyncIterator[bytes]:
    """Stream the tenant's entries created in [start, end) as JSON Lines or CSV, one chunk per page."""
    if fmt not in ("jsonl", "csv"):
        raise ValidationFailed(f"unknown export format {fmt!r}; use jsonl or csv", path="format")
    repo = AuditRepository(session, tenant_id)
    first, last = await _seq_range(repo, start, end)
    render = jsonl_line if fmt == "jsonl" else csv_line
    if fmt == "csv":
        yield csv_header()
    async for page in _pages(repo, first, last):
        yield b"".join(render(entry) for entry in page)


async def export_checked(session: AsyncSession, tenant_id: str, start: dt.datetime, end: dt.datetime,
                         verifier: ChainVerifier) -> AsyncIterator[bytes]:
    """The JSON Lines ``export`` that also feeds every entry to ``verifier`` on its way out: whoever
    packs an export (the compliance bundle) verifies it without reading its own output back."""
    repo = AuditRepository(session, tenant_id)
    first, last = await _seq_range(repo, start, end)
    async for page in _pages(repo, first, last):
        for link in page:
            verifier.feed(link)
        yield b"".join(jsonl_line(link) for link in page)


async def verify(session: AsyncSession, tenant_id: str) -> VerifyResult:
    """Re-check the tenant's whole chain from seq 1, then that it ends where the head says."""
    verifier = ChainVerifier(allow_partial=False)
    async for page in _pages(AuditRepository(session, tenant_id), 1, 2**62):
        for entry in page:
            if verifier.feed(entry) is not None:
                return verifier.result()
    head = await HeadRepository(session, tenant_id).get_one_or_none()
    return _check_head(verifier, head)


def _check_head(verifier: ChainVerifier, head: AuditHead | None) -> VerifyResult:
    """Rows cut from (or forged onto) the end of the chain leave it valid; only the head shows it."""
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    chain_seq = verifier.last_seq or 0
    if chain_seq > head_seq:
        return verifier.fail(f"chain runs to seq {chain_seq} but its head records seq {head_seq}", head_seq + 1)
    if chain_seq < head_seq:
        return verifier.fail(f"chain ends at seq {chain_seq} but its head records seq {head_seq}")
    if verifier.last_hash != head_hash:
        return verifier.fail(f"seq {chain_seq}: hash differs from the one its head records", chain_seq)
    return verifier.result()


async def newest_first(session: AsyncSession, tenant_id: str, kind: str, *,
                       page: int = 500) -> AsyncIterator[AuditEntry]:
    """The tenant's entries of one kind, newest first, a page at a time (e.g. recent quotes as test scenarios)."""
    repo = AuditRepository(session, tenant_id)
    before = 2**62
    while True:
        stmt = repo.statement().where(AuditEntryRow.kind == kind, AuditEntryRow.seq < before)
        rows = (await session.execute(stmt.order_by(AuditEntryRow.seq.desc()).limit(page))).scalars().all()
        if not rows:
            return
        for row in rows:
            yield _link(row).entry()
        before = rows[-1].seq
