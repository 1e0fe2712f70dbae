"""Tenancy tables: API keys. Tenants themselves live in YAML (git), not in the database."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class ApiKey(TenantOwned, Base):
    """One key of one principal. Only the SHA-256 of the secret is kept: a database leak yields no keys."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(40), nullable=False)
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
