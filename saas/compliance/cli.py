"""``saas compliance bundle|verify``: make a tenant's bundle of a month, check one offline."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

Assemble = Callable[[], AbstractAsyncContextManager[Any]]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble) -> None:
    compliance = sub.add_parser("compliance", help="adverse-action notices and compliance bundles").add_subparsers(
        dest="compliance_command", required=True)
    make = compliance.add_parser("bundle", help="write a tenant's compliance bundle of one month (a zip)")
    make.add_argument("--tenant", required=True)
    make.add_argument("--period", required=True, help="YYYY-MM (UTC)")
    make.add_argument("--out", required=True, type=Path)
    make.add_argument("--profile", action="store_true", help="print seconds and peak memory per section")
    make.set_defaults(run=lambda args: asyncio.run(_bundle(args, assemble)))
    check = compliance.add_parser("verify", help="check a bundle offline: manifest, audit chain, anchor")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_verify)


async def _bundle(args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.compliance.register import period_bounds
    from saas.errors import SaasError

    try:
        period_bounds(args.period, "--period")
    except SaasError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    partial = args.out.with_name(args.out.name + ".partial")
    try:
        async with assemble() as runtime:
            with partial.open("wb") as out:  # nothing half-written at --out: renamed once complete
                made = await runtime.compliance.bundle(args.tenant, args.period, out,
                                                       made_by="saas compliance bundle")
    except SaasError as exc:
        partial.unlink(missing_ok=True)
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(args.out)
    if args.profile:
        for name, (seconds, rss) in runtime.compliance.bundles.profile.items():
            print(f"  {name}: {seconds:.2f} s, peak RSS {rss:.0f} MB")
    empty = " (empty period)" if made["empty"] else ""
    print(f"wrote {args.out}{empty}: manifest sha256 {made['manifest_sha256']}, anchored at seq {made['anchor_seq']}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Exit 0 when everything matches, 1 naming the first file or chain entry that does not."""
    from saas.compliance.verify import verify_bundle

    result = verify_bundle(args.file)
    if result.ok:
        empty = ", an empty period" if result.empty else ""
        print(f"OK: {result.files_checked} files match the manifest, the audit chain verifies, and the manifest is "
              f"anchored at seq {result.anchor_seq} of {result.tenant_id}'s chain ({result.period}{empty})")
        return 0
    where = f" (file {result.bad_file})" if result.bad_file else ""
    seq = f" (entry seq {result.bad_seq})" if result.bad_seq is not None else ""
    print(f"BAD{where}{seq}: {result.problem}", file=sys.stderr)
    return 1
