"""The fairness gate as the versioned kinds see it: a protocol the assembly fills with
``saas.fairness.service.FairnessService``, so that rates and content never import the proxies.

A kind's test step hands it each driver's outcomes before and after the change (by driver id, or a
quote's ``reference``) and records the result with the version; its deploy step asks it to refuse
a version whose latest test moved a group across a flag threshold or widened a flagged gap and that
no compliance key has signed off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenancy.keys import Principal

Outcomes = Mapping[str, Mapping[str, float]]
"""outcome name ("multiplier", "premium", "safety_score") → driver id → value."""


class FairnessGate(Protocol):
    async def gate(self, tenant_id: str, before: Outcomes, after: Outcomes) -> Any | None:
        """The figures before and after, or None when the tenant has no proxies for these drivers."""

    async def record_gate(self, session: AsyncSession, who: Principal, subject: str, result: Any) -> str:
        """Store ``subject``'s latest result in the caller's transaction, chained; its hash."""

    async def require_clear(self, session: AsyncSession, tenant_id: str, subject: str) -> None:
        """Raise ``Conflict`` when ``subject``'s latest result is blocked and not signed off."""


def subject(kind: str, version_id: str) -> str:
    """How a version is named to the gate: ``rate_version:<id>``, ``tenant_config:<id>``."""
    return f"{kind}:{version_id}"
