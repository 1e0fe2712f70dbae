"""``saas keys ...``: create (prints the key once), list and revoke API keys.

A partner admin runs these in scripts, so they import only the database layer, and only when a
command runs: building the ``saas`` parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from saas.errors import NotFound
from saas.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from saas.tenancy.keys import ApiKeyInfo

ROLES = ("rating", "admin", "approver", "compliance", "platform", "platform-approver")
"""``saas.tenancy.keys.ROLES``, repeated for the parser's choices (a unit test keeps them equal)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key and print it (it is shown only once)")
    owner = create.add_mutually_exclusive_group(required=True)
    owner.add_argument("--tenant")
    owner.add_argument("--platform", action="store_true",
                       help="a platform key (roles platform, platform-approver): rulesets and onboarding only")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="the person or system that will use the key")
    create.set_defaults(run=_create)
    listing = keys.add_parser("list", help="list a tenant's keys (never the secrets)")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(run=_list)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


def _row(info: ApiKeyInfo) -> str:
    state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
    return f"{info.id}  {info.prefix}  {info.role:<10}  {info.name}  created {info.created_at}  {state}"


async def known_tenants(session: AsyncSession, directory: Path) -> set[str]:
    """Tenants registered in the database (created by the platform or imported), and the shipped files'."""
    from sqlalchemy import select

    from saas.tenancy.models import TenantRow
    from saas.tenancy.service import tenant_files

    registered = set((await session.execute(select(TenantRow.id))).scalars())
    return registered | {path.stem for path in tenant_files(directory)}


def _create(args: argparse.Namespace) -> int:
    from saas.db import run_in_session
    from saas.tenancy.keys import PLATFORM_TENANT, create_key

    tenant = PLATFORM_TENANT if args.platform else args.tenant
    if not args.platform:
        tenants = run_in_session(lambda s: known_tenants(s, load_settings().tenants_dir))
        if tenant not in tenants:
            known = ", ".join(sorted(tenants)) or "none"
            raise NotFound(f"no tenant '{tenant}' (known: {known}); create it with `saas tenants create`")
    info, plaintext = run_in_session(lambda s: create_key(s, tenant, args.role, args.name))
    print(_row(info))
    print(f"\n{plaintext}\n\nStore this key now: it cannot be shown again.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from saas.db import run_in_session
    from saas.tenancy.keys import list_keys

    for info in run_in_session(lambda s: list_keys(s, args.tenant)):
        print(_row(info))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from saas.db import run_in_session
    from saas.tenancy.keys import revoke_key

    print(_row(run_in_session(lambda s: revoke_key(s, args.key_id))))
    return 0
