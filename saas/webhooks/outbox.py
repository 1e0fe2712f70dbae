"""Queueing an event: one outbox row, in the caller's transaction, with the body to be signed.

The body is fixed when the event is queued (tenant and event id inside it, so they are signed
too); every attempt sends these bytes again and only re-signs them with the attempt's timestamp.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from saas.clock import utc_timestamp
from saas.tenancy.scoping import TenantRepository
from saas.webhooks.models import DeliveryRow, EndpointRow


class Deliveries(TenantRepository[DeliveryRow]):
    model = DeliveryRow
    noun = "webhook delivery"

    async def get(self, delivery_id: str) -> DeliveryRow:
        return await self.get_one(DeliveryRow.id == delivery_id, ident=delivery_id)

    async def recent(self, limit: int = 50) -> list[DeliveryRow]:
        stmt = self.statement().order_by(DeliveryRow.created_at.desc(), DeliveryRow.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())


class Endpoints(TenantRepository[EndpointRow]):
    model = EndpointRow
    noun = "webhook endpoint"

    async def disabled(self, url: str) -> EndpointRow | None:
        return await self.get_one_or_none(EndpointRow.url == url)


async def queue_event(session: AsyncSession, tenant_id: str, url: str, event_type: str, data: dict[str, Any], *,
                      event_id: str) -> str | None:
    """The delivery id, or None when the endpoint was disabled (410): nothing is queued for it."""
    if await Endpoints(session, tenant_id).disabled(url) is not None:
        return None
    now = utc_timestamp()
    body = msgspec.json.encode({"id": event_id, "type": event_type, "tenant": tenant_id, "timestamp": now,
                                "data": data}).decode()
    deliveries = Deliveries(session, tenant_id)
    await session.execute(deliveries.insert(
        id=event_id, event_type=event_type, url=url, body=body, status="pending", attempts=0, next_attempt_at=now,
        created_at=now).on_conflict_do_nothing())
    return event_id


async def pending_count(session: AsyncSession, tenant_id: str) -> int:
    deliveries = Deliveries(session, tenant_id)
    stmt = deliveries.statement().with_only_columns(func.count()).where(DeliveryRow.status == "pending")
    return int((await session.execute(stmt)).scalar_one())
