"""Audit tables: the per-tenant chain, its head (the append lock), and replay snapshots."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class AuditEntryRow(TenantOwned, Base):
    """One link of a tenant's chain; ``payload`` is canonical JSON text, hashed as stored."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    decision_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(TenantOwned, Base):
    """The last seq and hash per tenant. Appends lock this row (FOR UPDATE), which is what makes
    concurrent appends gapless; it also lets ``verify`` notice entries deleted from the end."""

    __tablename__ = "audit_heads"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class Snapshot(Base):
    """Content-addressed inputs of past decisions (tenant config, ruleset, rate table, model), for replay.

    ``tenant_id`` is NULL for shared content such as the model."""

    __tablename__ = "snapshots"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
