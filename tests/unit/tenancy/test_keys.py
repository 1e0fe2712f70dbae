"""API keys on SQLite: format, stored hash, constant-time check, revocation and the auth cache."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest
from sqlalchemy import select

from saas.db import Database
from saas.errors import NotFound, Unauthenticated, ValidationFailed
from saas.tenancy import keys
from saas.tenancy.auth_cache import REVOCATION_CHECK_SECONDS, AuthCache
from saas.tenancy.keys import KEY_PATTERN, Principal, authenticate, create_key, list_keys, revoke_key
from saas.tenancy.models import ApiKey

pytestmark = pytest.mark.unit


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_key_has_a_visible_prefix_and_only_its_secret_hash_is_stored(sqlite_database: Database) -> None:
    tenant_id = tenant()
    async with sqlite_database.session_scope() as session:
        info, plaintext = await create_key(session, tenant_id, "rating", "pricing-bot")
    match = KEY_PATTERN.match(plaintext)
    assert match is not None and plaintext.startswith(f"rk_{info.id}_")
    assert info.prefix == f"rk_{info.id}" and info.revoked_at is None
    async with sqlite_database.session_scope() as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.id == info.id))).scalar_one()
    assert row.secret_sha256 == hashlib.sha256(match["secret"].encode()).hexdigest()
    assert match["secret"] not in " ".join(str(v) for v in vars(row).values())


async def test_authenticate_returns_the_keys_principal(sqlite_database: Database) -> None:
    tenant_id, cache = tenant(), AuthCache()
    async with sqlite_database.session_scope() as session:
        info, plaintext = await create_key(session, tenant_id, "compliance", "Ana Auditor")
        principal = await authenticate(session, plaintext, cache=cache)
    assert principal == Principal(tenant_id, info.id, "compliance", "Ana Auditor")


@pytest.mark.parametrize("mangle", [
    lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),
    lambda key: key.replace("rk_", "sk_"),
    lambda key: "rk_" + "0" * 16 + key[19:],
    lambda key: "",
    lambda key: key + "x",
])
async def test_wrong_keys_are_unauthenticated(sqlite_database: Database, mangle) -> None:  # type: ignore[no-untyped-def]
    async with sqlite_database.session_scope() as session:
        _, plaintext = await create_key(session, tenant(), "rating", "bot")
        with pytest.raises(Unauthenticated):
            await authenticate(session, mangle(plaintext), cache=AuthCache())


async def test_secrets_are_compared_in_constant_time_even_for_unknown_ids(
        sqlite_database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def recording_compare(a: str, b: str) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(keys.hmac, "compare_digest", recording_compare)
    async with sqlite_database.session_scope() as session:
        _, plaintext = await create_key(session, tenant(), "rating", "bot")
        await authenticate(session, plaintext, cache=AuthCache())
        with pytest.raises(Unauthenticated):
            await authenticate(session, "rk_" + "0" * 16 + plaintext[19:], cache=AuthCache())
    assert len(compared) == 2
    assert all(len(a) == len(b) == 64 for a, b in compared)


async def test_revocation_takes_effect_at_once_in_this_process(sqlite_database: Database) -> None:
    cache = AuthCache()
    async with sqlite_database.session_scope() as session:
        info, plaintext = await create_key(session, tenant(), "rating", "bot")
        await authenticate(session, plaintext, cache=cache)
        assert len(cache) == 1
        revoked = await revoke_key(session, info.id, cache=cache)
        assert revoked.revoked_at is not None and len(cache) == 0
        with pytest.raises(Unauthenticated):
            await authenticate(session, plaintext, cache=cache)
        assert (await revoke_key(session, info.id, cache=cache)).revoked_at == revoked.revoked_at


async def test_cached_principal_is_served_without_the_database_until_it_expires(sqlite_database: Database) -> None:
    clock = FakeClock()
    cache = AuthCache(ttl=30, clock=clock)
    async with sqlite_database.session_scope() as session:
        info, plaintext = await create_key(session, tenant(), "rating", "bot")
        await authenticate(session, plaintext, cache=cache)
        await session.delete(await session.get(ApiKey, info.id))
        await session.flush()
        assert (await authenticate(session, plaintext, cache=cache)).key_id == info.id
        clock.now += 30
        with pytest.raises(Unauthenticated):
            await authenticate(session, plaintext, cache=cache)


async def test_keys_are_listed_and_revoked_per_tenant_only(sqlite_database: Database) -> None:
    a, b = tenant(), tenant()
    async with sqlite_database.session_scope() as session:
        first, _ = await create_key(session, a, "admin", "Ada")
        second, _ = await create_key(session, a, "approver", "Bo")
        foreign, _ = await create_key(session, b, "rating", "bot")
        assert {k.id for k in await list_keys(session, a)} == {first.id, second.id}
        with pytest.raises(NotFound):
            await revoke_key(session, foreign.id, tenant_id=a)
        assert (await revoke_key(session, second.id, tenant_id=a)).revoked_at is not None
        assert [k.revoked_at is None for k in await list_keys(session, b)] == [True]


@pytest.mark.parametrize(("tenant_id", "role", "name"), [
    ("Bad Tenant", "rating", "x"), ("acme", "root", "x"), ("acme", "rating", "  "), ("acme", "rating", "n" * 121),
])
async def test_invalid_key_requests_are_refused(sqlite_database: Database, tenant_id: str, role: str,
                                                name: str) -> None:
    async with sqlite_database.session_scope() as session:
        with pytest.raises(ValidationFailed):
            await create_key(session, tenant_id, role, name)


async def test_revoking_an_unknown_key_is_not_found(sqlite_database: Database) -> None:
    async with sqlite_database.session_scope() as session:
        with pytest.raises(NotFound):
            await revoke_key(session, "0" * 16)


def test_a_full_cache_starts_over_instead_of_growing() -> None:
    cache = AuthCache(max_entries=2)
    for i in range(3):
        cache.put(bytes([i]), Principal("t", str(i), "rating", "n"))
    assert len(cache) == 1 and cache.get(bytes([2])) is not None


async def test_a_revocation_elsewhere_empties_the_cache_at_the_next_generation_check(sqlite_database: Database) -> None:
    clock = FakeClock()
    here, elsewhere = AuthCache(ttl=30, clock=clock), AuthCache(ttl=30, clock=clock)
    async with sqlite_database.session_scope() as session:
        info, plaintext = await create_key(session, tenant(), "rating", "bot")
        assert (await authenticate(session, plaintext, cache=here)).key_id == info.id
        await revoke_key(session, info.id, cache=elsewhere)
        clock.now += REVOCATION_CHECK_SECONDS / 2
        assert (await authenticate(session, plaintext, cache=here)).key_id == info.id
        clock.now += REVOCATION_CHECK_SECONDS / 2
        with pytest.raises(Unauthenticated):
            await authenticate(session, plaintext, cache=here)
        assert len(here) == 0
