"""What each ``saas config`` / ``saas rulesets`` command does, given the kind's service."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec

from saas.content.log import version_diff, version_log
from saas.content.service import ContentVersions
from saas.db import Database
from saas.tenancy.keys import Principal
from saas.versioning.schemas import DeployRequest, TestRequest


async def push(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    text = args.file.read_text(encoding="utf-8")
    version, created = await service.draft(who, text, args.message)
    return f"{'drafted' if created else 'already known'}: {version.id} ({version.status})"


async def log(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    async with db.sessions() as session:
        rows = await version_log(session, service.kind, who.tenant_id, status=args.status)
    return "\n".join(f"{v.id[:12]}  {v.scope or '-':<7} {v.status:<10}  {v.created_at}  {v.author.name}: {v.message}"
                     for v in rows) or "no versions"


async def diff(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    async with db.sessions() as session:
        return service.kind.render_diff(await version_diff(session, service.kind, who.tenant_id, args.version,
                                                           args.against))


async def test(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    run = await service.test(who, args.version, TestRequest(args.recent, args.since))
    return f"test run {run.id} of {run.version_id[:12]}\n{_dump(run.result)}"


async def approve(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    return f"approved {(await service.approve(who, args.version)).id} by {who.name}"


async def reject(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    return f"rejected {(await service.reject(who, args.version, args.reason)).id} by {who.name}"


async def deploy(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    version = await service.deploy(who, args.version, DeployRequest(args.effective))
    return f"deployed {version.id}" + (f" from {args.effective}" if args.effective else "")


async def rollback(service: ContentVersions, db: Database, who: Principal, args: argparse.Namespace) -> str:
    version = await service.rollback(who, getattr(args, "state", None) or "")
    return f"rolled back to {version.id}"


def _dump(value: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()
