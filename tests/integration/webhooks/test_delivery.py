"""Outbox deliveries against a receiver that verifies with the docs' own example, on PostgreSQL.

The receiver is an in-memory httpx transport (the partner's server is the one thing not ours);
the outbox, the attempts and the disabling are the real tables.
"""

from __future__ import annotations

import uuid

import httpx
import msgspec
import pytest

from saas.db import Database
from saas.webhooks.delivery import attempt, redeliver
from saas.webhooks.outbox import Deliveries, queue_event
from saas.webhooks.signing import generate_secret
from tests.webhook_docs import docs_verifier

pytestmark = pytest.mark.integration
URL = "https://hooks.example.test/rating"


def receiver(secret: str, answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.AsyncClient:
    verify = docs_verifier()

    def handle(request: httpx.Request) -> httpx.Response:
        assert verify(secret, dict(request.headers), request.content), "signature did not verify"
        seen.append(request)
        return answers.pop(0)

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def queued(db: Database, tenant: str) -> str:
    async with db.session_scope() as session:
        event = await queue_event(session, tenant, URL, "scoring_run.completed", {"run_id": "r1"},
                                  event_id=f"msg_{uuid.uuid4().hex}")
    assert event is not None
    return event


async def send(db: Database, tenant: str, event: str, secret: str | None, client: httpx.AsyncClient) -> str:
    async with db.session_scope() as session:
        return (await attempt(session, tenant, event, secret, client)).status


async def test_signed_delivery_retry_with_backoff_and_410_disables(pg_database: Database) -> None:
    tenant, secret, seen = f"t-{uuid.uuid4().hex[:10]}", generate_secret(), []
    answers = [httpx.Response(503), httpx.Response(429, headers={"retry-after": "120"}), httpx.Response(204)]
    client = receiver(secret, answers, seen)
    event = await queued(pg_database, tenant)
    assert await send(pg_database, tenant, event, secret, client) == "retry"
    async with pg_database.session_scope() as session:
        outcome = await attempt(session, tenant, event, secret, client)
    assert (outcome.status, outcome.retry_in_s) == ("retry", 120.0)  # Retry-After beats the 20 s backoff
    async with pg_database.sessions() as session:
        row = await Deliveries(session, tenant).get(event)
        assert (row.status, row.attempts, row.last_status) == ("pending", 2, 429)
    assert await send(pg_database, tenant, event, secret, client) == "delivered"
    body = msgspec.json.decode(seen[-1].content)
    assert (body["id"], body["tenant"], body["type"]) == (event, tenant, "scoring_run.completed")
    assert {r.headers["webhook-id"] for r in seen} == {event}
    assert await send(pg_database, tenant, event, secret, client) == "skipped"  # sent: never twice

    gone = receiver(secret, [httpx.Response(410)], [])
    second, third = await queued(pg_database, tenant), await queued(pg_database, tenant)
    assert await send(pg_database, tenant, second, secret, gone) == "disabled"
    async with pg_database.session_scope() as session:
        assert (await Deliveries(session, tenant).get(third)).status == "disabled"
        assert await queue_event(session, tenant, URL, "x", {}, event_id="msg_after_410") is None
        await redeliver(session, tenant, third)
    back = receiver(secret, [httpx.Response(200)], [])
    assert await send(pg_database, tenant, third, secret, back) == "delivered"


async def test_a_missing_secret_is_a_failed_attempt_and_attempts_run_out(pg_database: Database) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    event = await queued(pg_database, tenant)
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    statuses = [await send(pg_database, tenant, event, None if i == 0 else generate_secret(), client)
                for i in range(10)]
    assert statuses == ["retry"] * 9 + ["failed"]
    async with pg_database.sessions() as session:
        row = await Deliveries(session, tenant).get(event)
        assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 10, None)
