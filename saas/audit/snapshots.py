"""Content-addressed snapshots of everything a decision depended on, so replay can re-rate it.

A decision records only hashes (tenant config, ruleset, rate table, model); the content lives
here once, however many decisions point at it, and is never overwritten: a hash names one content.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.models import Snapshot
from saas.canonical import sha256_hex
from saas.clock import utc_timestamp
from saas.db import upsert
from saas.errors import NotFound
from saas.tenancy.scoping import SharedOrTenantRepository

SnapshotKind = Literal["tenant_config", "ruleset", "rate_table", "model"]
SNAPSHOT_KINDS: tuple[str, ...] = ("tenant_config", "ruleset", "rate_table", "model")


async def put_snapshot(session: AsyncSession, kind: SnapshotKind, content: str, *, hash: str | None = None,
                       tenant_id: str | None = None) -> str:
    """Store ``content`` under ``hash`` (default: its SHA-256) unless already there; returns the hash.

    Callers whose versions are hashes of something else (a model's artifact set, a rate version's
    canonical form) pass that version id as ``hash``. Repeating a put is a no-op, also concurrently.
    """
    if kind not in SNAPSHOT_KINDS:
        raise ValueError(f"unknown snapshot kind {kind!r}")
    key = hash or sha256_hex(content)
    row = upsert(session, Snapshot).values(kind=kind, hash=key, tenant_id=tenant_id, content=content,
                                  created_at=utc_timestamp()).on_conflict_do_nothing(index_elements=["kind", "hash"])
    await session.execute(SnapshotRepository(session, tenant_id).scoped(row) if tenant_id else row)
    return key


class SnapshotRepository(SharedOrTenantRepository):
    model = Snapshot
    noun = "snapshot"


async def get_snapshot(session: AsyncSession, kind: SnapshotKind, hash: str, *, tenant_id: str) -> str:
    """The content stored under (kind, hash): the tenant's own or a shared one (e.g. the model);
    another tenant's snapshot is NotFound, exactly like one that was never stored."""
    repo = SnapshotRepository(session, tenant_id)
    stmt = repo.statement().with_only_columns(Snapshot.content).where(Snapshot.kind == kind, Snapshot.hash == hash)
    content = (await repo.execute(stmt)).scalar_one_or_none()
    if content is None:
        raise NotFound(f"{kind} snapshot {hash} not found")
    return content
