"""Group commit: concurrent appends share transactions, stay gapless, and fail one by one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import event

from saas.audit.schemas import NewEntry
from saas.audit.service import verify
from saas.audit.writer import AuditWriter
from saas.db import Database
from saas.errors import Conflict

pytestmark = pytest.mark.unit


def entry(decision_id: str | None = None) -> NewEntry:
    return NewEntry(kind="quote", payload={"premium": "100.00"}, decision_id=decision_id or str(uuid.uuid4()))


async def test_concurrent_requests_share_commits_and_keep_the_chain_gapless(sqlite_database: Database) -> None:
    commits = 0

    def count(_: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(sqlite_database.engine.sync_engine, "commit", count)
    writer = AuditWriter(sqlite_database)
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    try:
        sealed = await asyncio.gather(*(writer.append(tenant, [entry(), entry()]) for _ in range(50)))
    finally:
        event.remove(sqlite_database.engine.sync_engine, "commit", count)
        await writer.close()
    seqs = sorted(link.seq for links in sealed for link in links)
    assert seqs == list(range(1, 101))
    assert all(links[1].seq == links[0].seq + 1 for links in sealed)  # a request's entries stay together
    assert 1 <= commits < 50
    async with sqlite_database.sessions() as session:
        result = await verify(session, tenant)
    assert result.ok and result.checked == 100


async def test_a_failing_request_fails_alone(sqlite_database: Database) -> None:
    writer = AuditWriter(sqlite_database)
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    duplicate = str(uuid.uuid4())
    await writer.append(tenant, [entry(duplicate)])
    try:
        outcomes = await asyncio.gather(writer.append(tenant, [entry()]), writer.append(tenant, [entry(duplicate)]),
                                        writer.append(tenant, [entry()]), return_exceptions=True)
    finally:
        await writer.close()
    assert isinstance(outcomes[1], Conflict)
    assert [o[0].seq for o in (outcomes[0], outcomes[2])] == [2, 3]  # type: ignore[index]
    async with sqlite_database.sessions() as session:
        result = await verify(session, tenant)
    assert result.ok and result.checked == 3
