"""The webhook outbox: an event is a row written in the transaction that caused it.

Writing the delivery with the change (not calling out from inside it) means a committed scoring
run always has its notification queued, and a rolled-back one never notifies. A sender job then
works the outbox; ``webhook_endpoints`` remembers an endpoint its owner retired (HTTP 410).
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class DeliveryRow(TenantOwned, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status", "tenant_id", "status"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The event id: ``webhook-id`` on every attempt, so receivers can de-duplicate."""
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    """The exact JSON bytes signed and sent (each attempt re-signs the same body)."""
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    next_attempt_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    delivered_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class EndpointRow(TenantOwned, Base):
    """A tenant endpoint disabled by a 410; a new URL in the tenant file is a new endpoint."""

    __tablename__ = "webhook_endpoints"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    disabled_at: Mapped[str] = mapped_column(String(32), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
