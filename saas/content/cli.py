"""``saas config ...``, ``saas rulesets ...`` and ``saas tenants create``: the configuration and
ruleset workflows for people who keep their YAML in their own git, through the same services as
the API (four eyes by name, approval after a test of that exact content, every step in the chain).

``--as NAME`` names the person acting; the role is the one the step needs, as with ``saas rates``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from saas.errors import ConfigError, SaasError

Assemble = Callable[[], Any]
"""Builds a started runtime as an async context manager (``saas.cli`` passes it in)."""
ROLE_OF = {"push": "admin", "test": "admin", "approve": "approver", "reject": "approver", "deploy": "admin",
           "rollback": "admin", "log": "compliance", "diff": "compliance"}
PLATFORM_ROLE = {"admin": "platform", "approver": "platform-approver", "compliance": "platform"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble) -> None:
    for noun, attr, help_text in (("config", "configs", "tenant configuration versions"),
                                  ("rulesets", "rulesets", "state ruleset versions (platform)")):
        _kind(sub, noun, attr, help_text, assemble)
    tenants = sub.add_parser("tenants", help="the tenant register").add_subparsers(dest="tenants_command",
                                                                                    required=True)
    create = tenants.add_parser("create", help="create a tenant and print its first admin key (once)")
    create.add_argument("id")
    create.add_argument("--name", required=True)
    create.add_argument("--as", dest="actor", default="cli")
    create.set_defaults(run=lambda args: _create_tenant(args, assemble))


def _kind(sub: argparse._SubParsersAction[argparse.ArgumentParser], noun: str, attr: str, help_text: str,
          assemble: Assemble) -> None:
    cmd = sub.add_parser(noun, help=help_text).add_subparsers(dest=f"{noun}_command", required=True)

    def command(name: str, text: str, *, version: bool = False) -> argparse.ArgumentParser:
        parser = cmd.add_parser(name, help=text)
        if attr == "configs":
            parser.add_argument("--tenant", required=True)
        parser.add_argument("--as", dest="actor", default="cli", help="the person acting (four eyes compare it)")
        if version:
            parser.add_argument("version", help="version id")
        parser.set_defaults(run=lambda args: _run(attr, name, args, assemble))
        return parser

    push = command("push", "propose a file as a new version (validated exactly as `saas check` does)")
    push.add_argument("file", type=Path)
    push.add_argument("-m", "--message", required=True)
    command("log", "the versions, newest first").add_argument("--status")
    command("diff", "the changes in business terms", version=True).add_argument("against", nargs="?",
                                                                               default="deployed")
    test = command("test", "the impact on the book and on recorded quotes", version=True)
    test.add_argument("--recent", type=int, help="re-price the last N recorded quotes (default 1,000)")
    test.add_argument("--since", type=dt.date.fromisoformat, help="re-price the quotes recorded since this date")
    command("approve", "approve a tested version (not your own)", version=True)
    command("reject", "reject a version", version=True).add_argument("--reason", required=True)
    command("deploy", "put an approved version in force", version=True).add_argument(
        "--effective", type=dt.date.fromisoformat, help="a later date schedules it (default today)")
    rollback = command("rollback", "redeploy the version in force before the current one")
    if attr == "rulesets":
        rollback.add_argument("--state", required=True)


def _run(attr: str, name: str, args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.content import cli_actions
    from saas.tenancy.keys import PLATFORM_TENANT, Principal

    role = ROLE_OF[name] if attr == "configs" else PLATFORM_ROLE[ROLE_OF[name]]
    tenant = args.tenant if attr == "configs" else PLATFORM_TENANT
    principal = Principal(tenant, f"cli:{args.actor}"[:32], role, args.actor)

    async def go() -> str:
        async with assemble() as runtime:
            return str(await getattr(cli_actions, name)(getattr(runtime.content, attr), runtime.db, principal, args))

    try:
        print(asyncio.run(go()))
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    return 0


def _create_tenant(args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.content.tenants import CreateTenant
    from saas.tenancy.keys import PLATFORM_TENANT, Principal

    try:
        request = msgspec.convert({"id": args.id, "name": args.name}, CreateTenant)
    except msgspec.ValidationError as exc:
        raise SaasError(str(exc)) from None
    who = Principal(PLATFORM_TENANT, f"cli:{args.actor}"[:32], "platform", args.actor)

    async def go() -> Any:
        async with assemble() as runtime:
            return await runtime.content.create_tenant(who, request)

    created = asyncio.run(go())
    print(f"created tenant {created.id} ({created.name})\n\n{created.admin_key}\n\n"
          "Store this admin key now: it cannot be shown again.\nNext: " + "\n      ".join(created.next_steps))
    return 0
