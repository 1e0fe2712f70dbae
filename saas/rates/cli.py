"""``saas rates ...``: the rate-version workflow for partner admins who keep their rates in git.

The CLI acts as a named principal (``--as NAME``) and goes through the same service as the API,
so the same rules hold: four eyes by name, approval only after a test of that exact content,
deploys only of approved versions, one deployment per date, and every step in the audit chain.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from saas.errors import ValidationFailed

T = TypeVar("T")
ROLE_OF = {"draft": "admin", "test": "admin", "approve": "approver", "reject": "approver", "deploy": "admin",
           "rollback": "admin", "log": "compliance", "diff": "compliance"}


Assemble = Callable[[], Any]
"""Builds a started runtime as an async context manager (``saas.cli`` passes it in)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble) -> None:
    rates = sub.add_parser("rates", help="rate table versions: draft, diff, test, approve, deploy, roll back")
    cmd = rates.add_subparsers(dest="rates_command", required=True)

    def command(name: str, help_text: str, *, version: bool = False) -> argparse.ArgumentParser:
        parser = cmd.add_parser(name, help=help_text)
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--as", dest="actor", default="cli", help="the person acting (four eyes compare it)")
        if version:
            parser.add_argument("version", help="version id")
        parser.set_defaults(run=lambda args: _run(name, args, assemble))
        return parser

    draft = command("draft", "propose a rate table file as a new version")
    draft.add_argument("file", type=Path)
    draft.add_argument("-m", "--message", required=True)
    draft.add_argument("--filing-reference")
    log = command("log", "the versions, newest first")
    for option in ("--state", "--product", "--status"):
        log.add_argument(option)
    command("diff", "factor-level changes of a version against the deployed one or another", version=True) \
        .add_argument("against", nargs="?", default="deployed")
    test = command("test", "impact test against what is deployed today", version=True)
    test.add_argument("--scenarios", type=Path, help="JSON file: a list of quotes or {scenario_id, quote}")
    test.add_argument("--recent", type=int, help="the tenant's last N priced quotes of that state")
    command("approve", "approve a tested version (not your own)", version=True)
    command("reject", "reject a version", version=True).add_argument("--reason", required=True)
    deploy = command("deploy", "put an approved version in force", version=True)
    deploy.add_argument("--effective", type=dt.date.fromisoformat)
    deploy.add_argument("--renewal-effective", type=dt.date.fromisoformat)
    rollback = command("rollback", "redeploy the version in force before the current one")
    rollback.add_argument("--state", required=True)
    rollback.add_argument("--product", default="auto")


def _run(name: str, args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.rates import cli_actions
    from saas.tenancy.keys import Principal

    action: Callable[[Any, Any, argparse.Namespace], Awaitable[str]] = getattr(cli_actions, name)
    principal = Principal(args.tenant, f"cli:{args.actor}"[:32], ROLE_OF[name], args.actor)
    try:
        print(asyncio.run(_with_runtime(assemble, lambda rt: action(rt, principal, args))))
    except ValidationFailed as exc:
        for error in exc.errors or [{"path": exc.path or "$", "detail": exc.detail}]:
            print(f"error: {error['detail']} (at {error['path']})", file=sys.stderr)
        return 1
    return 0


async def _with_runtime(assemble: Assemble, work: Callable[[Any], Awaitable[T]]) -> T:
    async with assemble() as runtime:
        return await work(runtime)


def dump(value: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()
