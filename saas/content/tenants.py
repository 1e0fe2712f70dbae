"""Onboarding a partner without a restart: the tenant enters the register with its first admin key.

It can quote once it has deployed a configuration and a rate table for a state it serves; until
then a quote is a 409 naming what is missing (``saas.catalog``, ``saas.rates.source``). The
creation is an entry in the platform's audit chain, with who made it.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.clock import utc_timestamp
from saas.errors import Conflict
from saas.tenancy.keys import PLATFORM_TENANT, ApiKeyInfo, Principal, create_key
from saas.tenancy.models import TenantRow
from saas.tenancy.schemas import TenantId
from saas.versioning.models import ContentGeneration


class CreateTenant(Struct, forbid_unknown_fields=True, frozen=True):
    id: TenantId
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    admin_name: Annotated[str, Meta(min_length=1, max_length=120)] = "first admin"


class TenantCreated(Struct, frozen=True):
    id: str
    name: str
    admin_key: str
    """The first admin key: shown once, never again."""
    key: ApiKeyInfo
    next_steps: list[str]


class TenantEntry(Struct, frozen=True):
    action: str
    tenant: str
    name: str
    actor: str
    key_id: str


async def create_tenant(decisions: DecisionLog, who: Principal, request: CreateTenant) -> TenantCreated:
    async with decisions.transaction() as session:
        try:
            async with session.begin_nested():
                session.add(TenantRow(id=request.id, name=request.name, created_at=utc_timestamp(),
                                      created_by=who.name))
                await session.flush()
        except IntegrityError:
            raise Conflict(f"tenant '{request.id}' already exists") from None
        info, plaintext = await create_key(session, request.id, "admin", request.admin_name)
        await session.execute(update(ContentGeneration).where(ContentGeneration.id == 1)
                              .values(generation=ContentGeneration.generation + 1))  # every process learns of it
        entry = TenantEntry("create", request.id, request.name, who.name, who.key_id)
        await decisions.record_in(session, PLATFORM_TENANT, [NewEntry(kind="tenant", payload=entry)])
    return TenantCreated(request.id, request.name, plaintext, info, [
        "POST /v1/config-versions with the tenant's YAML, then test, approve (another person) and deploy it",
        "POST /v1/rate-versions with a rate table for each state it serves, then test, approve and deploy",
    ])
