"""``saas audit ...``: exports of a tenant's chain, and their offline verification."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="audit trail tools").add_subparsers(dest="audit_command", required=True)
    check = audit.add_parser("verify", help="verify an export file (jsonl or csv) offline")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_verify)
    dump = audit.add_parser("export", help="write a tenant's entries created in [--from, --to) to stdout")
    dump.add_argument("--tenant", required=True)
    dump.add_argument("--from", dest="start", type=_moment, help="ISO-8601 date or time, UTC unless given")
    dump.add_argument("--to", dest="end", type=_moment)
    dump.add_argument("--format", dest="fmt", choices=("jsonl", "csv"), default="jsonl")
    dump.set_defaults(run=_export)


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _export(args: argparse.Namespace) -> int:
    from saas.audit.service import export
    from saas.db import run_in_session

    async def write(session: AsyncSession) -> None:
        async for chunk in export(session, args.tenant, args.start, args.end, args.fmt):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()

    run_in_session(write)
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Exit 0 when the whole file verifies, 1 naming the first bad seq otherwise."""
    from saas.audit.export import verify_export

    with args.file.open(encoding="utf-8", newline="") as lines:
        result = verify_export(lines)
    if result.ok:
        print(f"OK: {result.checked} entries verified in {args.file}")
        return 0
    print(f"BAD at seq {result.first_bad_seq}: {result.reason} ({result.checked} entries verified before it)",
          file=sys.stderr)
    return 1
