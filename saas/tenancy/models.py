"""Tenancy tables: API keys, the key generation, and the register of tenants (their configuration
itself is versioned content: ``saas.versioning``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class ApiKey(TenantOwned, Base):
    """One key of one principal. Only the SHA-256 of the secret is kept: a database leak yields no keys."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(40), nullable=False)
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(24), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class KeyGeneration(Base):
    """One counter bumped by every revocation, in the revoking transaction. Each process reads it
    at most every ``REVOCATION_CHECK_SECONDS`` while serving from its authentication cache and
    empties the cache when it moved, so a revoked key stops working everywhere within that bound.
    Not tenant-owned: it says only that some key, somewhere, was revoked."""

    __tablename__ = "key_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False)


class TenantRow(Base):
    """The platform's register of partner tenants (created by a platform key or the shipped files)."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[str] = mapped_column(String(120), nullable=False)
