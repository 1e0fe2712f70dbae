"""The ``saas`` command: serve the API, check configuration, manage keys, models and audits.

Each feature registers its own sub-commands (``saas/<feature>/cli.py``: ``register(sub)``), and
every sub-command sets ``run``, a handler taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from saas.audit import cli as audit_cli
from saas.compliance import cli as compliance_cli
from saas.content import cli as content_cli
from saas.errors import SaasError
from saas.fairness import cli as fairness_cli
from saas.rates import cli as rates_cli
from saas.settings import load_settings
from saas.tenancy import cli as tenancy_cli
from saas.trips import cli as trips_cli
from saas.webhooks import cli as webhooks_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    demo = sub.add_parser("demo", help="migrate, create demo keys, print a curl example and serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="set up and print, but do not serve")
    demo.set_defaults(run=_demo)
    check = sub.add_parser("check", help="validate tenants, rulesets and rate tables; exit 1 on any error")
    check.add_argument("dirs", nargs="*", type=Path,
                       help="project roots (with tenants/ and rulesets/), or tenants/ or rulesets/ folders")
    check.add_argument("--models", type=Path, action="append", default=[],
                       help="model directories (or folders of them) that tenant model pins may name")
    check.add_argument("--registry", action="store_true",
                       help="also accept model versions registered in SAAS_DATABASE_URL")
    check.set_defaults(run=_check)
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the alembic migrations to SAAS_DATABASE_URL").set_defaults(run=_db_upgrade)
    tenancy_cli.register(sub)
    audit_cli.register(sub)
    compliance_cli.register(sub, started_runtime)
    rates_cli.register(sub, started_runtime)
    content_cli.register(sub, started_runtime)
    trips_cli.register(sub, started_runtime, _load_runtime)
    webhooks_cli.register(sub, started_runtime, lambda rt, tenant, ident: rt.trips.dispatcher.deliver(tenant, ident))
    fairness_cli.register(sub, started_runtime)
    _register_ml(sub)
    return parser


def _register_ml(sub: argparse._SubParsersAction) -> None:
    from ml import cli as ml_cli

    ml_cli.register(sub)


def _check(args: argparse.Namespace) -> int:
    """Report every problem of every file; exit 1 if there is any, so partner CI can gate on it."""
    from saas.catalog import load_catalog

    settings = load_settings()
    tenants_dir, rulesets_dir = settings.tenants_dir, settings.rulesets_dir
    for directory in args.dirs:
        if (directory / "tenants").is_dir() or (directory / "rulesets").is_dir():
            tenants_dir, rulesets_dir = directory / "tenants", directory / "rulesets"
        elif directory.name == "rulesets":
            rulesets_dir = directory
        else:
            tenants_dir = directory
    catalog, issues = load_catalog(tenants_dir, rulesets_dir)
    issues += _model_pin_issues(catalog.tenants.values(), [settings.model_dir, *args.models], args.registry)
    for issue in issues:
        print(issue.render(), file=sys.stderr)
    tables = sum(len(v) for v in catalog.rate_tables.values())
    print(f"{len(catalog.tenants)} tenants, {len(catalog.rulesets)} rulesets, {tables} rate tables; "
          f"{len(issues)} error(s)", file=sys.stderr if issues else sys.stdout)
    for tenant in catalog.tenants.values():
        print(f"  {tenant.config.id}: config {tenant.content_hash[:16]} ({', '.join(tenant.config.states)})")
    return 1 if issues else 0


def _model_pin_issues(tenants: Any, directories: list[Path], registry: bool) -> list[Any]:
    from saas.scoring.checks import directory_models, model_issues, pinned

    if not pinned(tenants):
        return []
    known = directory_models(directories)
    if registry:
        known.update(asyncio.run(_registered()))
    return model_issues(tenants, known)


async def _registered() -> dict[str, list[str]]:
    from saas.db import Database
    from saas.scoring.registry import ModelRegistry

    db = Database(load_settings().database_url)
    try:
        return {info.version: info.features for info in await ModelRegistry(db).versions()}
    finally:
        await db.dispose()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from saas.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from saas.demo import prepare_demo

    prepare_demo(args.host, args.port)
    return 0 if args.no_serve else _serve(args)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from saas.db import default_database, dispose_default, upgrade_schema

    async def upgrade() -> str:
        try:
            database = default_database()
            await upgrade_schema(database)
            await _import_rates()
            return database.engine.url.render_as_string(hide_password=True)
        finally:
            await dispose_default()

    print(f"database at head: {asyncio.run(upgrade())}")
    return 0


@asynccontextmanager
async def started_runtime() -> AsyncIterator[Any]:
    """A runtime for one command: loaded, started (rate tables imported, deployed versions loaded), closed."""
    from saas.runtime import Runtime

    runtime = Runtime.load(load_settings())
    try:
        await runtime.start(watch=False, warm_up=False)  # one command: build views when first used
        yield runtime
    finally:
        await runtime.close()


def _load_runtime() -> Any:
    from saas.runtime import Runtime

    return Runtime.load(load_settings())


async def _import_rates() -> None:
    """The shipped rate tables become the first deployed versions (once; again changes nothing)."""
    async with started_runtime():
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SaasError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
