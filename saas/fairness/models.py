"""Fairness tables: proxies (probabilities only, never a name), reports, gate results, sign-offs.

Every table is tenant-owned and read through ``TenantRepository``; on PostgreSQL row security
applies as to every other tenant table (migration 0008).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class ProxyRow(TenantOwned, Base):
    """One driver's BISG/BIFSG probabilities over the six Census groups; the names it came from
    are not stored anywhere (the upload is read, combined with the Census tables and dropped)."""

    __tablename__ = "fairness_proxies"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    driver_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    p_white: Mapped[float] = mapped_column(Float, nullable=False)
    p_black: Mapped[float] = mapped_column(Float, nullable=False)
    p_api: Mapped[float] = mapped_column(Float, nullable=False)
    p_native: Mapped[float] = mapped_column(Float, nullable=False)
    p_multiple: Mapped[float] = mapped_column(Float, nullable=False)
    p_hispanic: Mapped[float] = mapped_column(Float, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    import_id: Mapped[str] = mapped_column(String(36), nullable=False)
    imported_at: Mapped[str] = mapped_column(String(32), nullable=False)


class ReportRow(TenantOwned, Base):
    __tablename__ = "fairness_reports"

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[str] = mapped_column(String(120), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    """SHA-256 of the canonical body: the audit-chain entry records it."""
    flags: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class GateRow(TenantOwned, Base):
    """The fairness figures of the latest test of one change (a rate or configuration version)."""

    __tablename__ = "fairness_gates"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    """``<kind>:<id>``, e.g. ``rate_version:3f2a…``."""
    blocked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)


class SignoffRow(TenantOwned, Base):
    __tablename__ = "fairness_signoffs"

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject: Mapped[str] = mapped_column(String(120), nullable=False)
    gate_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    """The gate result signed: a later test with other figures needs a new sign-off."""
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    actor_key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
