"""The audit service on SQLite: append, read, export, verify, snapshots, tenant isolation."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from saas.audit.export import ExportFormat, verify_export
from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions, export, get_decision, verify
from saas.audit.snapshots import get_snapshot, put_snapshot
from saas.canonical import sha256_hex as content_hash
from saas.db import Database
from saas.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def quotes(count: int, start: int = 0) -> list[NewEntry]:
    return [NewEntry("quote", {"premium": Decimal(f"{100 + i}.10"), "i": i}, created_at=T0 + dt.timedelta(days=i))
            for i in range(start, start + count)]


async def fill(db: Database, tenant_id: str, count: int) -> list[str]:
    async with db.session_scope() as session:
        return [e.decision_id for e in await append_decisions(session, tenant_id, quotes(count))]


async def export_bytes(db: Database, tenant_id: str, fmt: ExportFormat = "jsonl", **window: dt.datetime) -> bytes:
    async with db.session_scope() as session:
        return b"".join([chunk async for chunk in export(session, tenant_id, fmt=fmt, **window)])


async def test_append_assigns_gapless_seq_per_tenant(sqlite_database: Database) -> None:
    a, b = tenant(), tenant()
    async with sqlite_database.session_scope() as session:
        first = await append_decisions(session, a, quotes(3))
        other = await append_decisions(session, b, quotes(2))
        more = await append_decisions(session, a, quotes(2, start=3))
    assert [e.seq for e in first + more] == [1, 2, 3, 4, 5]
    assert [e.seq for e in other] == [1, 2]
    assert more[0].prev_hash == first[-1].hash
    assert first[0].payload == {"premium": Decimal("100.10"), "i": 0}
    async with sqlite_database.session_scope() as session:
        stored = await get_decision(session, a, first[0].decision_id)
    assert stored.payload == {"premium": "100.10", "i": 0}
    assert stored.hash == first[0].hash


async def test_concurrent_appends_on_sqlite_stay_gapless(sqlite_database: Database) -> None:
    tenant_id = tenant()

    async def one(i: int) -> None:
        async with sqlite_database.session_scope() as session:
            await append_decisions(session, tenant_id, quotes(2, start=i * 2))

    await asyncio.gather(*(one(i) for i in range(20)))
    async with sqlite_database.session_scope() as session:
        result = await verify(session, tenant_id)
    assert (result.ok, result.checked) == (True, 40)


async def test_a_failed_transaction_leaves_nothing_behind(sqlite_database: Database) -> None:
    tenant_id = tenant()
    ids = await fill(sqlite_database, tenant_id, 2)
    with pytest.raises(Conflict):
        async with sqlite_database.session_scope() as session:
            await append_decisions(session, tenant_id, [*quotes(1, 5), NewEntry("quote", {}, decision_id=ids[0])])
    async with sqlite_database.session_scope() as session:
        assert (await verify(session, tenant_id)).checked == 2
        assert (await append_decisions(session, tenant_id, quotes(1)))[0].seq == 3


async def test_get_decision_is_tenant_scoped(sqlite_database: Database) -> None:
    a, b = tenant(), tenant()
    ids_a, ids_b = await fill(sqlite_database, a, 2), await fill(sqlite_database, b, 2)
    async with sqlite_database.session_scope() as session:
        assert (await get_decision(session, a, ids_a[1])).seq == 2
        with pytest.raises(NotFound) as foreign:
            await get_decision(session, a, ids_b[0])
        unknown = str(uuid.uuid4())
        with pytest.raises(NotFound) as missing:
            await get_decision(session, a, unknown)
    assert str(foreign.value).replace(ids_b[0], "?") == str(missing.value).replace(unknown, "?")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_export_round_trips_through_offline_verify(sqlite_database: Database, fmt: str) -> None:
    a, b = tenant(), tenant()
    await fill(sqlite_database, a, 7)
    await fill(sqlite_database, b, 3)
    data = await export_bytes(sqlite_database, a, fmt)
    result = verify_export(data.decode().splitlines(keepends=True))
    assert (result.ok, result.checked) == (True, 7)
    assert b.encode() not in data


async def test_export_of_a_window_is_contiguous_and_verifies(sqlite_database: Database) -> None:
    tenant_id = tenant()
    await fill(sqlite_database, tenant_id, 10)
    window = {"start": T0 + dt.timedelta(days=2), "end": T0 + dt.timedelta(days=6)}
    data = await export_bytes(sqlite_database, tenant_id, **window)
    lines = data.decode().splitlines()
    assert [line.count('"seq":') for line in lines] == [1] * 4
    assert verify_export(lines).checked == 4
    assert await export_bytes(sqlite_database, tenant_id, start=T0 + dt.timedelta(days=30)) == b""


async def test_export_refuses_unknown_formats(sqlite_database: Database) -> None:
    with pytest.raises(ValidationFailed):
        await export_bytes(sqlite_database, tenant(), "xml")  # type: ignore[arg-type]


SWAP_3_AND_4 = ("UPDATE audit_entries SET seq = -1 WHERE tenant_id = :t AND seq = 3;"
                "UPDATE audit_entries SET seq = 3 WHERE tenant_id = :t AND seq = 4;"
                "UPDATE audit_entries SET seq = 4 WHERE tenant_id = :t AND seq = -1")


@pytest.mark.parametrize(("tamper", "bad_seq"), [
    ("UPDATE audit_entries SET payload = :forged WHERE tenant_id = :t AND seq = 4", 4),
    ("DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 4", 4),
    ("DELETE FROM audit_entries WHERE tenant_id = :t AND seq = 6", 6),
    ("UPDATE audit_heads SET last_seq = 5 WHERE tenant_id = :t", 6),
    (SWAP_3_AND_4, 3),
])
async def test_tampering_in_the_database_is_found_at_that_row(sqlite_database: Database, tamper: str,
                                                              bad_seq: int) -> None:
    tenant_id = tenant()
    await fill(sqlite_database, tenant_id, 6)
    async with sqlite_database.session_scope() as session:
        params = {"t": tenant_id, "forged": '{"i":3,"premium":"1.10"}'}
        for statement in tamper.split(";"):
            await session.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
    async with sqlite_database.session_scope() as session:
        result = await verify(session, tenant_id)
    assert (result.ok, result.first_bad_seq) == (False, bad_seq)


async def test_verify_of_a_tenant_without_entries_is_ok(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        assert (await verify(session, tenant())).checked == 0


async def test_snapshots_are_content_addressed_and_idempotent(sqlite_database: Database) -> None:
    a, b = tenant(), tenant()
    async with sqlite_database.session_scope() as session:
        key = await put_snapshot(session, "tenant_config", '{"id":"a"}', tenant_id=a)
        assert key == content_hash('{"id":"a"}')
        assert await put_snapshot(session, "tenant_config", '{"id":"a"}', tenant_id=a) == key
        model = await put_snapshot(session, "model", "{}", hash="m" * 64)
    async with sqlite_database.session_scope() as session:
        assert await get_snapshot(session, "tenant_config", key, tenant_id=a) == '{"id":"a"}'
        assert await get_snapshot(session, "model", model, tenant_id=b) == "{}"
        with pytest.raises(NotFound):
            await get_snapshot(session, "tenant_config", key, tenant_id=b)
        with pytest.raises(NotFound):
            await get_snapshot(session, "ruleset", key, tenant_id=a)
