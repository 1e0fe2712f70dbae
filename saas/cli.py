"""The ``saas`` command: serve the API, check configuration, manage keys, models and audits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from saas.settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    demo = sub.add_parser("demo", help="migrate, create demo keys, print a curl example and serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="set up and print, but do not serve")
    check = sub.add_parser("check", help="validate tenants, rulesets and rate tables; non-zero exit on any error")
    check.add_argument("dirs", nargs="*", type=Path,
                       help="project roots (with tenants/ and rulesets/) or tenants/ or rulesets/ folders")
    return parser


def run_check(dirs: list[Path]) -> int:
    """Report every problem of every file; exit 1 if there is any, so partner CI can gate on it."""
    from saas.catalog import load_catalog

    settings = load_settings()
    tenants_dir, rulesets_dir = settings.tenants_dir, settings.rulesets_dir
    for directory in dirs:
        if (directory / "tenants").is_dir() or (directory / "rulesets").is_dir():
            tenants_dir, rulesets_dir = directory / "tenants", directory / "rulesets"
        elif directory.name == "rulesets" or any(p.stem.isupper() for p in directory.glob("*.yaml")):
            rulesets_dir = directory
        else:
            tenants_dir = directory
    catalog, issues = load_catalog(tenants_dir, rulesets_dir)
    for issue in issues:
        print(issue.render(), file=sys.stderr)
    tables = sum(len(v) for v in catalog.rate_tables.values())
    summary = (f"{len(catalog.tenants)} tenants, {len(catalog.rulesets)} rulesets, {tables} rate tables; "
               f"{len(issues)} error(s)")
    print(summary, file=sys.stderr if issues else sys.stdout)
    if not issues:
        for tenant in catalog.tenants.values():
            print(f"  {tenant.config.id}: {tenant.content_hash[:16]} ({', '.join(tenant.config.states)})")
    return 1 if issues else 0


def serve(host: str, port: int) -> int:
    import uvicorn

    from saas.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command == "check":
        return run_check(args.dirs)
    if args.command == "demo":
        from saas.demo import prepare_demo

        prepare_demo(args.host, args.port)
        return 0 if args.no_serve else serve(args.host, args.port)
    return 2


if __name__ == "__main__":
    sys.exit(main())
