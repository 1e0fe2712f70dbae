"""Tables of versioned content other than rate tables: tenant configurations and state rulesets.

One set of tables serves every such kind (``kind`` column), with the same rules as the rate tables:
a version's id is its content hash and never changes, a status change is a new event row, a
deployment is a row that is only ever marked withdrawn. ``scope`` says what one deployment is for
(a ruleset's state; empty for a tenant's configuration): one active deployment per tenant, kind,
scope and date, which the partial unique index enforces on SQLite and PostgreSQL alike. Rulesets
belong to the platform, whose rows carry the reserved tenant id ``_platform``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKeyConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned

ACTIVE = text("withdrawn_at IS NULL")


def _version_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "kind", "version_id"],
                                ["content_versions.tenant_id", "content_versions.kind", "content_versions.id"])


class ContentVersionRow(TenantOwned, Base):
    __tablename__ = "content_versions"
    __table_args__ = (Index("ix_content_versions_scope", "tenant_id", "kind", "scope", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author_name: Mapped[str] = mapped_column(String(120), nullable=False)
    author_key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    source_text: Mapped[str] = mapped_column(Text, nullable=False)
    """The YAML as uploaded, comments included: what a partner admin reads back."""
    content: Mapped[str] = mapped_column(Text, nullable=False)
    """The canonical form the id hashes (a config's canonical JSON; a ruleset's own text)."""


class ContentEvent(TenantOwned, Base):
    """One status change of a version (draft, test, approve, reject, deploy, supersede, rollback)."""

    __tablename__ = "content_events"
    __table_args__ = (_version_fk(), Index("ix_content_events_version", "tenant_id", "kind", "version_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    version_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    actor_key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ContentDeployment(TenantOwned, Base):
    __tablename__ = "content_deployments"
    __table_args__ = (
        _version_fk(),
        Index("uq_content_deployments_active", "tenant_id", "kind", "scope", "effective_date", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
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


class ContentTestRun(TenantOwned, Base):
    """An impact test of a version: the evidence approval requires."""

    __tablename__ = "content_test_runs"
    __table_args__ = (_version_fk(), Index("ix_content_test_runs_version", "tenant_id", "kind", "version_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    version_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    result: Mapped[str] = mapped_column(Text, nullable=False)


class ContentGeneration(Base):
    """Bumped by every deploy and rollback of any content kind: processes poll it and reload."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False)
