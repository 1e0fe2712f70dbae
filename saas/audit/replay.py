"""Replay: re-make any recorded decision from the inputs it pinned, and say what differs.

The chain records decisions of several kinds (quotes, risk scores, and whatever comes next); each
kind's owner knows how to re-make its decisions, audit knows how to find them and their pinned
snapshots. So a kind registers a ``Replayer`` at assembly and this module stays free of rating and
scoring: a regulator's "show me how you priced this" works for every kind the chain holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import msgspec

from saas.audit.schemas import Replayed, ReplayResponse
from saas.audit.service import get_decision
from saas.audit.snapshots import SnapshotKind, get_snapshot
from saas.db import Database
from saas.errors import NotFound

SnapshotReader = Callable[[SnapshotKind, str], Awaitable[str]]
"""(kind, hash) → the stored content, already scoped to the decision's tenant."""


class Replayer(Protocol):
    """Re-makes decisions of one kind from their recorded payload and pinned snapshots."""

    async def replay(self, payload: Any, snapshots: SnapshotReader) -> Replayed: ...


def differences(before: msgspec.Struct, after: msgspec.Struct) -> list[str]:
    """Top-level fields that differ, as ``field: old -> new`` lines a person can read."""
    old, new = msgspec.to_builtins(before), msgspec.to_builtins(after)
    return [f"{key}: {old.get(key)!r} -> {new.get(key)!r}"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


async def replay_decision(db: Database, replayers: Mapping[str, Replayer], tenant_id: str,
                          decision_id: str) -> ReplayResponse:
    """The tenant's decision re-made; another tenant's id is NotFound, exactly like a missing one."""
    async with db.sessions() as session:
        entry = await get_decision(session, tenant_id, decision_id)
    replayer = replayers.get(entry.kind)
    if replayer is None:
        raise NotFound(f"decision {decision_id} is a '{entry.kind}' entry, which has nothing to replay")

    async def snapshot(kind: SnapshotKind, content_hash: str) -> str:
        async with db.sessions() as session:
            return await get_snapshot(session, kind, content_hash, tenant_id=tenant_id)

    outcome = await replayer.replay(entry.payload, snapshot)
    return ReplayResponse(decision_id, outcome.identical, outcome.original_premium, outcome.replayed_premium,
                          outcome.differences, outcome.versions, entry.kind)
