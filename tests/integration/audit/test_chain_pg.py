"""The audit chain on real PostgreSQL: concurrency, tampering, exports, tenant isolation."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from saas.audit.export import ExportFormat, verify_export
from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions, export, get_decision, verify
from saas.audit.snapshots import get_snapshot, put_snapshot
from saas.errors import NotFound

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def quote(i: int) -> NewEntry:
    return NewEntry("quote", {"premium": Decimal(f"{500 + i}.37"), "driver": f"d{i}", "note": "ünïcode"})


async def fill(sessions: Sessions, tenant_id: str, count: int) -> list[str]:
    async with sessions() as session, session.begin():
        return [e.decision_id for e in await append_decisions(session, tenant_id, [quote(i) for i in range(count)])]


async def verified(sessions: Sessions, tenant_id: str) -> tuple[bool, int, int | None]:
    async with sessions() as session:
        result = await verify(session, tenant_id)
    return result.ok, result.checked, result.first_bad_seq


async def test_200_concurrent_appends_leave_a_gapless_valid_chain(pg_sessions: Sessions) -> None:
    tenant_id = tenant()

    async def one(i: int) -> int:
        async with pg_sessions() as session, session.begin():
            return (await append_decisions(session, tenant_id, [quote(i)]))[0].seq

    seqs = await asyncio.gather(*(one(i) for i in range(200)))
    assert sorted(seqs) == list(range(1, 201))
    assert await verified(pg_sessions, tenant_id) == (True, 200, None)


async def test_concurrent_bulk_appends_of_two_tenants_interleave_safely(pg_sessions: Sessions) -> None:
    a, b = tenant(), tenant()

    async def bulk(tenant_id: str, size: int) -> None:
        async with pg_sessions() as session, session.begin():
            await append_decisions(session, tenant_id, [quote(i) for i in range(size)])

    await asyncio.gather(*(bulk(a if i % 2 else b, 25) for i in range(12)))
    assert await verified(pg_sessions, a) == (True, 150, None)
    assert await verified(pg_sessions, b) == (True, 150, None)


SWAP_5_AND_6 = ("UPDATE audit_entries SET seq = -1 WHERE tenant_id = :t AND seq = 5;"
                "UPDATE audit_entries SET seq = 5 WHERE tenant_id = :t AND seq = 6;"
                "UPDATE audit_entries SET seq = 6 WHERE tenant_id = :t AND seq = -1")


@pytest.mark.parametrize(("tamper", "bad_seq"), [
    ("UPDATE audit_entries SET payload = replace(payload, '507.37', '57.37') WHERE tenant_id = :t AND seq = 8", 8),
    ("UPDATE audit_entries SET created_at = '2020-01-01T00:00:00.000000Z' WHERE tenant_id = :t AND seq = 3", 3),
    ("DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 5", 5),
    ("DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 12", 12),
    (SWAP_5_AND_6, 5),
], ids=["edit-payload", "edit-timestamp", "delete-middle", "delete-last", "reorder"])
async def test_tampering_with_one_row_is_found_at_that_row(pg_sessions: Sessions, tamper: str, bad_seq: int) -> None:
    tenant_id = tenant()
    await fill(pg_sessions, tenant_id, 12)
    async with pg_sessions() as session, session.begin():
        for statement in tamper.split(";"):
            await session.execute(text(statement), {"t": tenant_id})
    ok, _, first_bad = await verified(pg_sessions, tenant_id)
    assert (ok, first_bad) == (False, bad_seq)


async def export_bytes(sessions: Sessions, tenant_id: str, fmt: ExportFormat) -> bytes:
    async with sessions() as session:
        return b"".join([chunk async for chunk in export(session, tenant_id, fmt=fmt)])


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_export_then_offline_verify_round_trips(pg_sessions: Sessions, fmt: ExportFormat) -> None:
    tenant_id = tenant()
    await fill(pg_sessions, tenant_id, 1500)
    data = await export_bytes(pg_sessions, tenant_id, fmt)
    lines = data.decode().splitlines(keepends=True)
    assert verify_export(lines).checked == 1500
    at = 700 + (1 if fmt == "csv" else 0)
    lines[at] = lines[at].replace("ünïcode", "unicode")
    assert verify_export(lines).first_bad_seq == 701


async def test_export_window_starts_mid_chain_and_verifies(pg_sessions: Sessions) -> None:
    tenant_id = tenant()
    await fill(pg_sessions, tenant_id, 3)
    middle = dt.datetime.now(dt.UTC)
    await fill(pg_sessions, tenant_id, 4)
    async with pg_sessions() as session:
        data = b"".join([chunk async for chunk in export(session, tenant_id, start=middle, fmt="jsonl")])
    result = verify_export(data.decode().splitlines())
    assert (result.ok, result.checked) == (True, 4)
    assert data.startswith(b'{"created_at"') and b'"seq":4' in data.split(b"\n")[0]


async def test_tenant_a_never_sees_tenant_b(pg_sessions: Sessions) -> None:
    a, b = tenant(), tenant()
    ids_a, ids_b = await fill(pg_sessions, a, 5), await fill(pg_sessions, b, 5)
    async with pg_sessions() as session:
        for decision_id in ids_b:
            with pytest.raises(NotFound):
                await get_decision(session, a, decision_id)
        assert (await get_decision(session, b, ids_b[0])).tenant_id == b
        assert (await get_decision(session, a, ids_a[4])).seq == 5
    for fmt in ("jsonl", "csv"):
        data = await export_bytes(pg_sessions, a, fmt)  # type: ignore[arg-type]
        assert b.encode() not in data
        assert not any(decision_id.encode() in data for decision_id in ids_b)
        assert all(decision_id.encode() in data for decision_id in ids_a)


async def test_concurrent_snapshot_puts_store_one_row(pg_sessions: Sessions) -> None:
    content = f'{{"ruleset":"{uuid.uuid4()}"}}'

    async def put() -> str:
        async with pg_sessions() as session, session.begin():
            return await put_snapshot(session, "ruleset", content)

    hashes = set(await asyncio.gather(*(put() for _ in range(10))))
    assert len(hashes) == 1
    async with pg_sessions() as session:
        assert await get_snapshot(session, "ruleset", hashes.pop(), tenant_id="any-tenant") == content
        count = (await session.execute(text("SELECT count(*) FROM snapshots WHERE content = :c"), {"c": content}))
        assert count.scalar_one() == 1
