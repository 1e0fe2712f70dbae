"""Sending one outbox row: sign, POST, and decide what the answer means.

2xx: delivered. 410 Gone: the receiver retired the endpoint, so it is disabled (with every event
still pending for it) until an operator redelivers. Anything else, or no answer: another attempt
after ``schedule.delay_before``, until attempts run out (then ``failed``, shown by
``saas webhooks list``). The caller (a job) schedules the next attempt with the returned delay.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from saas.clock import utc_timestamp
from saas.tenancy.schemas import Webhook
from saas.webhooks.models import DeliveryRow, EndpointRow
from saas.webhooks.outbox import Deliveries, Endpoints
from saas.webhooks.schedule import delay_before
from saas.webhooks.signing import sign

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Outcome:
    status: str
    """delivered, retry, failed, disabled, or skipped (not pending: sent or retired meanwhile)."""
    retry_in_s: float | None = None


def secret_of(webhook: Webhook | None, env: dict[str, str] | None = None) -> str | None:
    """The tenant's ``whsec_`` secret from where its YAML points (``env:NAME``); None if unset."""
    if webhook is None:
        return None
    name = webhook.secret_ref.removeprefix("env:")
    return (os.environ if env is None else env).get(name) or None


async def attempt(session: AsyncSession, tenant_id: str, delivery_id: str, secret: str | None,
                  client: httpx.AsyncClient, now: dt.datetime | None = None) -> Outcome:
    row = await Deliveries(session, tenant_id).get(delivery_id)
    if row.status != "pending":
        return Outcome("skipped")
    now = now or dt.datetime.now(dt.UTC)
    row.attempts += 1
    code, error, retry_after = await _send(row, secret, client, int(now.timestamp()))
    row.last_status, row.last_error = code, error
    if code is not None and 200 <= code < 300:
        row.status, row.delivered_at, row.next_attempt_at = "delivered", utc_timestamp(now), None
        return Outcome("delivered")
    if code == 410:
        await _disable(session, tenant_id, row, now)
        return Outcome("disabled")
    delay = delay_before(row.attempts + 1, retry_after_s=retry_after)
    if delay is None:
        row.status, row.next_attempt_at = "failed", None
        return Outcome("failed")
    row.next_attempt_at = utc_timestamp(now + dt.timedelta(seconds=delay))
    return Outcome("retry", delay)


async def _send(row: DeliveryRow, secret: str | None, client: httpx.AsyncClient,
                timestamp: int) -> tuple[int | None, str | None, float | None]:
    if secret is None:
        return None, "no webhook secret configured (the tenant's secret_ref is unset)", None
    body = row.body.encode()
    headers = {**sign(secret, row.id, timestamp, body), "content-type": "application/json"}
    try:
        response = await client.post(row.url, content=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], None
    after = response.headers.get("retry-after", "")
    error = None if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"
    return response.status_code, error, float(after) if after.isdigit() else None


async def _disable(session: AsyncSession, tenant_id: str, row: DeliveryRow, now: dt.datetime) -> None:
    endpoints, deliveries = Endpoints(session, tenant_id), Deliveries(session, tenant_id)
    if await endpoints.disabled(row.url) is None:
        endpoints.add(EndpointRow(url=row.url, disabled_at=utc_timestamp(now), reason=f"HTTP 410 on {row.id}"))
    await session.execute(deliveries.update(DeliveryRow.url == row.url, DeliveryRow.status == "pending")
                          .values(status="disabled", next_attempt_at=None))
    row.status, row.next_attempt_at = "disabled", None


async def redeliver(session: AsyncSession, tenant_id: str, delivery_id: str) -> DeliveryRow:
    """An operator's retry: the event is pending again and its endpoint enabled again."""
    row = await Deliveries(session, tenant_id).get(delivery_id)
    await session.execute(Endpoints(session, tenant_id).delete(EndpointRow.url == row.url))
    row.status, row.next_attempt_at, row.attempts = "pending", utc_timestamp(), 0
    return row
