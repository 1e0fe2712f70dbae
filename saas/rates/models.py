"""Rate version tables: immutable versions, their status history, deployments and test runs.

Nothing here is ever rewritten: a version's content never changes (its id is its content hash),
a status change is a new history row, a rollback is a new deployment row (the one it replaces is
marked withdrawn, with who and when). The partial unique index on deployments is what makes two
concurrent deploys for one date impossible, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKeyConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned

ACTIVE = text("withdrawn_at IS NULL")


def _version_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "version_id"], ["rate_versions.tenant_id", "rate_versions.id"])


class RateVersionRow(TenantOwned, Base):
    __tablename__ = "rate_versions"
    __table_args__ = (Index("ix_rate_versions_key", "tenant_id", "state", "product", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    product: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author_name: Mapped[str] = mapped_column(String(120), nullable=False)
    author_key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    filing_reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    effective_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    """The table as submitted (decimals as written), JSON; its canonical form hashes to ``id``."""


class RateVersionEvent(TenantOwned, Base):
    """One status change of a version (draft, test, approve, reject, deploy, supersede, rollback)."""

    __tablename__ = "rate_version_events"
    __table_args__ = (_version_fk(),
                      Index("ix_rate_version_events_version", "tenant_id", "version_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    actor_key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class RateDeployment(TenantOwned, Base):
    """A version in force for one transaction kind (new business or renewal) from ``effective_date``."""

    __tablename__ = "rate_deployments"
    __table_args__ = (
        _version_fk(),
        Index("uq_rate_deployments_active", "tenant_id", "state", "product", "kind", "effective_date", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    product: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    effective_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    version_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    deployed_by: Mapped[str] = mapped_column(String(120), nullable=False)
    deployed_key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    deployed_at: Mapped[str] = mapped_column(String(32), nullable=False)
    withdrawn_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    withdrawn_for: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """Why: ``rollback`` (the version was rolled back) or ``supersede`` (a deployment for the same date
    replaced it; the version stays a rollback target)."""


class RateTestRun(TenantOwned, Base):
    """An impact test of a version against what was deployed: the evidence approval requires."""

    __tablename__ = "rate_test_runs"
    __table_args__ = (_version_fk(),
                      Index("ix_rate_test_runs_version", "tenant_id", "version_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    result: Mapped[str] = mapped_column(Text, nullable=False)


class RateGeneration(Base):
    """One counter bumped by every deploy and rollback: processes poll it (one tiny read a second,
    not one per quote) and reload their deployed-version cache when it moves."""

    __tablename__ = "rate_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False)
