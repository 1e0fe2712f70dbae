"""``saas audit ...``: offline verification of export files, and exports for a tenant."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from saas.audit.export import verify_export


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="audit trail tools").add_subparsers(dest="audit_command", required=True)
    check = audit.add_parser("verify", help="verify an export file (jsonl or csv) offline")
    check.add_argument("file", type=Path)
    check.set_defaults(run=_verify)


def _verify(args: argparse.Namespace) -> int:
    """Exit 0 when the whole file verifies, 1 naming the first bad seq otherwise."""
    with args.file.open(encoding="utf-8", newline="") as lines:
        result = verify_export(lines)
    if result.ok:
        print(f"OK: {result.checked} entries verified in {args.file}")
        return 0
    print(f"BAD at seq {result.first_bad_seq}: {result.reason} ({result.checked} entries verified before it)",
          file=sys.stderr)
    return 1
