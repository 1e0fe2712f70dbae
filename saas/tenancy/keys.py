"""API keys: creation (shown once), listing, revocation, and authentication on the hot path.

Format: ``rk_<key id: 16 hex>_<secret: 43 base64url chars>``. The ``rk_<key id>`` prefix is
visible in listings and logs and finds the row; only SHA-256 of the secret is stored and it is
compared in constant time. 256 random bits make a plain (unsalted, fast) hash sufficient: there is
no dictionary to attack. Key lookup by id is the one read not scoped by tenant, since it is how the
tenant is learnt; revocation by id without a tenant is the operator's CLI path.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any, Literal, get_args

from msgspec import Struct
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.clock import utc_timestamp
from saas.errors import NotFound, Unauthenticated, ValidationFailed
from saas.tenancy.auth_cache import AUTH_CACHE, AuthCache
from saas.tenancy.models import ApiKey, KeyGeneration
from saas.tenancy.scoping import TenantRepository

Role = Literal["rating", "admin", "approver", "compliance", "platform", "platform-approver"]
ROLES: tuple[str, ...] = get_args(Role)
PLATFORM_TENANT = "_platform"
"""The owner of platform keys and platform content (state rulesets). No tenant id can be it (the
pattern requires a letter first), so a platform key's scope never includes a tenant's rows."""
PLATFORM_ROLES = frozenset({"platform", "platform-approver"})
KEY_PREFIX = "rk_"
KEY_PATTERN = re.compile(r"^rk_(?P<key_id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")
TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
_NO_SUCH_KEY = hashlib.sha256(b"no such key").hexdigest()
"""Compared against when the key id is unknown, so a miss costs the same as a wrong secret."""


class Principal(Struct, frozen=True):
    """Who is calling: every request acts for exactly this tenant, with this role."""

    tenant_id: str
    key_id: str
    role: str
    name: str


class ApiKeyInfo(Struct, frozen=True):
    """A key as listings show it: never the secret, nor its hash."""

    id: str
    tenant_id: str
    prefix: str
    role: str
    name: str
    created_at: str
    revoked_at: str | None = None


class KeyRepository(TenantRepository[ApiKey]):
    model = ApiKey
    noun = "API key"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.tenant_id, row.prefix, row.role, row.name, row.created_at, row.revoked_at)


def _check_new_key(tenant_id: str, role: str, name: str) -> None:
    if tenant_id != PLATFORM_TENANT and not TENANT_PATTERN.match(tenant_id):
        raise ValidationFailed(f"invalid tenant id {tenant_id!r}", path="tenant")
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}; roles: {', '.join(ROLES)}", path="role")
    if (tenant_id == PLATFORM_TENANT) != (role in PLATFORM_ROLES):
        raise ValidationFailed(f"roles {', '.join(sorted(PLATFORM_ROLES))} are for platform keys only, and a "
                               "platform key has one of them", path="role")
    if not name.strip() or len(name) > 120:
        raise ValidationFailed("principal name must be 1 to 120 characters", path="name")


async def _key_by_id(session: AsyncSession, key_id: str) -> ApiKey | None:
    """The one unscoped read: a key is how its tenant is learnt. Always fresh from the database.
    On PostgreSQL row security hides every key until a tenant is set, so the read goes through the
    ``saas_api_key`` SECURITY DEFINER function, which returns exactly the key with that id."""
    stmt: Any = select(ApiKey).where(ApiKey.id == key_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(ApiKey).from_statement(text("SELECT * FROM saas_api_key(:key_id)").bindparams(key_id=key_id))
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def create_key(session: AsyncSession, tenant_id: str, role: str, name: str) -> tuple[ApiKeyInfo, str]:
    """A new key; the plaintext is returned here once and can never be recovered afterwards."""
    _check_new_key(tenant_id, role, name)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ApiKey(id=key_id, tenant_id=tenant_id, prefix=f"{KEY_PREFIX}{key_id}", secret_sha256=secret_digest(secret),
                 role=role, name=name.strip(), created_at=utc_timestamp(), revoked_at=None)
    KeyRepository(session, tenant_id).add(row)
    await session.flush()
    return _info(row), f"{KEY_PREFIX}{key_id}_{secret}"


async def list_keys(session: AsyncSession, tenant_id: str) -> list[ApiKeyInfo]:
    rows = await KeyRepository(session, tenant_id).list(order_by=(ApiKey.created_at, ApiKey.id))
    return [_info(row) for row in rows]


async def revoke_key(session: AsyncSession, key_id: str, *, tenant_id: str | None = None,
                     cache: AuthCache = AUTH_CACHE) -> ApiKeyInfo:
    """Revoke now (idempotent). This process forgets the key at once; others when they next read the
    key generation (within ``REVOCATION_CHECK_SECONDS``)."""
    if tenant_id is not None:
        row: ApiKey | None = await KeyRepository(session, tenant_id).get_one_or_none(ApiKey.id == key_id)
    else:
        row = await _key_by_id(session, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = utc_timestamp()
        await session.execute(update(KeyGeneration).where(KeyGeneration.id == 1)
                              .values(generation=KeyGeneration.generation + 1))
        await session.flush()
    cache.forget_key(key_id)
    return _info(row)


async def authenticate(session: AsyncSession, plaintext: str, *, cache: AuthCache = AUTH_CACHE) -> Principal:
    """The principal of a valid, unrevoked key; anything else is Unauthenticated, all alike."""
    cache_key = hashlib.sha256(plaintext.encode("utf-8")).digest()
    if cache.due():
        generation = (await session.execute(select(KeyGeneration.generation).where(KeyGeneration.id == 1))).scalar()
        cache.observe(int(generation or 0))
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    match = KEY_PATTERN.match(plaintext)
    row = await _key_by_id(session, match["key_id"]) if match else None
    stored = row.secret_sha256 if row is not None else _NO_SUCH_KEY
    genuine = hmac.compare_digest(secret_digest(match["secret"] if match else plaintext), stored)
    if row is None or not genuine or row.revoked_at is not None:
        raise Unauthenticated("invalid or revoked API key")
    principal = Principal(row.tenant_id, row.id, row.role, row.name)
    cache.put(cache_key, principal)
    return principal
