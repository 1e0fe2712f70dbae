"""What each ``saas rates`` command does, given an assembled runtime and the acting principal."""

from __future__ import annotations

import argparse
from typing import Protocol

import msgspec

from saas.db import Database
from saas.errors import ValidationFailed
from saas.rates.diff import render_text
from saas.rates.impact_render import render_text as impact_text
from saas.rates.log import version_diff, version_log
from saas.rates.schemas import DeployRequest, TestRequest
from saas.rates.service import RateVersions
from saas.rating.tables import parse_rate_table
from saas.tenancy.keys import Principal


class Runtime(Protocol):
    """What the commands need of the assembled runtime (built by ``saas.cli``, passed in)."""

    db: Database
    rate_versions: RateVersions


async def draft(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    table, issues = parse_rate_table(args.file.read_text(encoding="utf-8"), str(args.file))
    if table is None:
        raise ValidationFailed(f"{args.file} is not a valid rate table",
                               errors=[{"path": str(issue.location or args.file), "detail": issue.render()}
                                       for issue in issues])
    version, created = await rt.rate_versions.draft(who, table.spec, args.message,
                                                    filing_reference=args.filing_reference)
    return f"{'drafted' if created else 'already known'}: {version.id} ({version.status}, {version.state})"


async def log(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    async with rt.db.sessions() as session:
        rows = await version_log(session, who.tenant_id, state=args.state, product=args.product, status=args.status)
    return "\n".join(f"{v.id[:12]}  {v.state} {v.product}  {v.status:<10}  {v.created_at}  {v.author.name}: {v.message}"
                     for v in rows) or "no versions"


async def diff(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    async with rt.db.sessions() as session:
        return render_text(await version_diff(session, who.tenant_id, args.version, args.against))


async def test(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    scenarios = None
    if args.scenarios is not None:
        items = msgspec.json.decode(args.scenarios.read_bytes())
        scenarios = [msgspec.Raw(msgspec.json.encode(item)) for item in items]
    run = await rt.rate_versions.test(who, args.version, TestRequest(scenarios, args.recent))
    head = f"test run {run.id} of {run.version_id[:12]}: {len(run.scenarios)} scenarios"
    errors = [f"  {s.key}: {s.error}" for s in run.scenarios if s.error]
    body = impact_text(run.impact) if run.impact else "no scenario could be priced:\n" + "\n".join(errors)
    return f"{head}\n{body}"


async def approve(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    version = await rt.rate_versions.approve(who, args.version)
    return f"approved {version.id} by {who.name}"


async def reject(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    version = await rt.rate_versions.reject(who, args.version, args.reason)
    return f"rejected {version.id} by {who.name}"


async def deploy(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    version = await rt.rate_versions.deploy(who, args.version, DeployRequest(args.effective, args.renewal_effective))
    return f"deployed {version.id} ({version.state} {version.product})"


async def rollback(rt: Runtime, who: Principal, args: argparse.Namespace) -> str:
    version = await rt.rate_versions.rollback(who, args.state, args.product)
    return f"rolled back {args.state} {args.product} to {version.id}"
