"""``saas fairness proxies import|delete`` and ``saas fairness report``: the API's fairness
operations for a compliance officer at a terminal, as a named actor, recorded in the same chain."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from saas.errors import ValidationFailed
from saas.fairness.schemas import MAX_PROXY_CSV_BYTES, ReportRequest

Assemble = Callable[[], Any]
"""Builds a started runtime as an async context manager (``saas.cli`` passes it in)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble) -> None:
    fairness = sub.add_parser("fairness", help="BISG proxies and fairness reports (compliance)")
    commands = fairness.add_subparsers(dest="fairness_command", required=True)
    proxies = commands.add_parser("proxies", help="proxy inputs").add_subparsers(dest="proxies_command", required=True)
    load = proxies.add_parser("import", help="a CSV driver_id,surname,first_name,zip: stores probabilities only")
    load.add_argument("file", type=Path)
    remove = proxies.add_parser("delete", help="remove one driver's proxy")
    remove.add_argument("driver_id")
    report = commands.add_parser("report", help="compute, store and print a fairness report")
    scope = report.add_mutually_exclusive_group(required=True)
    scope.add_argument("--period", help="a scored month, YYYY-MM")
    scope.add_argument("--quotes-since", type=dt.date.fromisoformat, help="recorded quotes since YYYY-MM-DD")
    report.add_argument("--reference", default="white")
    report.add_argument("--format", choices=("json", "csv", "html"), default="json")
    report.add_argument("--output", type=Path, help="write there instead of standard output")
    for parser in (load, remove, report):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--actor", default="cli", help="who runs this (recorded in the audit chain)")
    load.set_defaults(run=lambda args: _run(args, assemble, _import))
    remove.set_defaults(run=lambda args: _run(args, assemble, _delete))
    report.set_defaults(run=lambda args: _run(args, assemble, _report))


def _run(args: argparse.Namespace, assemble: Assemble, action: Callable[[Any, Any, argparse.Namespace], Any]) -> int:
    from saas.tenancy.keys import Principal

    principal = Principal(args.tenant, f"cli:{args.actor}"[:32], "compliance", args.actor)

    async def go() -> str:
        async with assemble() as runtime:
            return str(await action(runtime.fairness, principal, args))

    try:
        out = asyncio.run(go())
    except ValidationFailed as exc:
        for error in exc.errors or [{"path": exc.path or "$", "detail": exc.detail}]:
            print(f"error: {error['detail']} (at {error['path']})", file=sys.stderr)
        return 1
    if getattr(args, "output", None):
        args.output.write_text(out, encoding="utf-8")
    else:
        print(out)
    return 0


async def _import(service: Any, who: Any, args: argparse.Namespace) -> str:
    if args.file.stat().st_size > MAX_PROXY_CSV_BYTES:
        raise ValidationFailed(f"{args.file} is larger than {MAX_PROXY_CSV_BYTES // (1024 * 1024)} MB", path="$")
    result = await service.import_proxies(who, args.file.read_bytes())
    return msgspec.json.format(msgspec.json.encode(result), indent=2).decode()


async def _delete(service: Any, who: Any, args: argparse.Namespace) -> str:
    await service.delete_proxy(who, args.driver_id)
    return f"deleted the proxy of {args.driver_id}"


async def _report(service: Any, who: Any, args: argparse.Namespace) -> str:
    from saas.fairness.render import render_csv, render_html

    request = msgspec.convert({"period": args.period, "quotes_since": args.quotes_since, "reference": args.reference},
                              ReportRequest)
    report = await service.create_report(who, request)
    if args.format == "csv":
        return render_csv(report)
    if args.format == "html":
        return render_html(report)
    return msgspec.json.format(msgspec.json.encode(report), indent=2).decode()
