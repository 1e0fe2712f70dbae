"""Tenant configuration and ruleset versions in force during a period, for the bundle.

Both kinds live in versioning's tables (``content_versions`` and friends). A configuration
belongs to the tenant; rulesets belong to the platform (tenant ``_platform``), one scope per state,
and the bundle lists the rulesets of the tenant's states plus the default one every state runs.
Each version comes with what the rate tables come with: approvals (who, when), test runs and
deployments with their dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from saas.clock import utc_timestamp
from saas.tenancy.keys import PLATFORM_TENANT
from saas.tenancy.scoping import TenantRepository
from saas.tenancy.service import LoadedTenant
from saas.versioning.models import ContentDeployment, ContentEvent, ContentTestRun, ContentVersionRow

DEFAULT_SCOPE = "DEFAULT"
"""The ruleset every state runs before its own (``rules.service.DEFAULT_STATE``)."""


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


class _Versions(TenantRepository[ContentVersionRow]):
    model = ContentVersionRow
    noun = "version"


class _Events(TenantRepository[ContentEvent]):
    model = ContentEvent
    noun = "event"


class _Deployments(TenantRepository[ContentDeployment]):
    model = ContentDeployment
    noun = "deployment"


class _Tests(TenantRepository[ContentTestRun]):
    model = ContentTestRun
    noun = "test run"


async def in_force(session: AsyncSession, owner: str, kind: str, scopes: list[str] | None, start: dt.datetime,
                   end: dt.datetime) -> list[dict[str, Any]]:
    """Versions of ``kind`` (of ``owner``, in ``scopes`` if given) deployed at some moment of [start, end)."""
    where = [ContentDeployment.kind == kind, ContentDeployment.effective_date < end.date(),
             ContentDeployment.deployed_at < utc_timestamp(end),
             or_(ContentDeployment.withdrawn_at.is_(None), ContentDeployment.withdrawn_at >= utc_timestamp(start))]
    if scopes is not None:
        where.append(ContentDeployment.scope.in_(scopes))
    deployments = await _Deployments(session, owner).list(*where, order_by=(ContentDeployment.id,))
    out = []
    for version_id in dict.fromkeys(d.version_id for d in deployments):
        row = await _Versions(session, owner).get_one(ContentVersionRow.kind == kind,
                                                      ContentVersionRow.id == version_id, ident=version_id)
        events = await _Events(session, owner).list(ContentEvent.kind == kind, ContentEvent.version_id == version_id,
                                                    order_by=(ContentEvent.id,))
        tests = await _Tests(session, owner).list(ContentTestRun.kind == kind, ContentTestRun.version_id == version_id,
                                                  order_by=(ContentTestRun.at,))
        out.append({
            "id": row.id, "kind": kind, "scope": row.scope, "status": row.status, "parent_id": row.parent_id,
            "author": row.author_name, "message": row.message, "created_at": row.created_at,
            "source_text": row.source_text,
            "approvals": [{"action": e.action, "by": e.actor_name, "at": e.at, "note": e.note} for e in events],
            "tests": [{"id": t.id, "by": t.actor_name, "at": t.at, "result": msgspec.json.decode(t.result)}
                      for t in tests],
            "deployments": [{"scope": d.scope, "effective_date": d.effective_date.isoformat(), "action": d.action,
                             "deployed_by": d.deployed_by, "deployed_at": d.deployed_at,
                             "withdrawn_at": d.withdrawn_at, "withdrawn_by": d.withdrawn_by,
                             "withdrawn_for": d.withdrawn_for}
                            for d in deployments if d.version_id == version_id]})
    return out


async def tenant_configs(session: AsyncSession, tenant_id: str, start: dt.datetime,
                         end: dt.datetime) -> list[dict[str, Any]]:
    return await in_force(session, tenant_id, "tenant_config", None, start, end)


def rulesets(tenants: Tenants) -> Callable[[AsyncSession, str, dt.datetime, dt.datetime],
                                           Awaitable[list[dict[str, Any]]]]:
    """The reader of the platform's ruleset versions for the states the tenant writes in."""

    async def read(session: AsyncSession, tenant_id: str, start: dt.datetime,
                   end: dt.datetime) -> list[dict[str, Any]]:
        states = [*tenants.tenant(tenant_id).config.states, DEFAULT_SCOPE]
        return await in_force(session, PLATFORM_TENANT, "ruleset", states, start, end)

    return read
