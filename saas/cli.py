"""The ``saas`` command: serve the API, check configuration, manage keys, models and audits.

Each feature registers its own sub-commands (``saas/<feature>/cli.py``: ``register(sub)``), and
every sub-command sets ``run``, a handler taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import sys

from saas.audit import cli as audit_cli
from saas.errors import SaasError
from saas.tenancy import cli as tenancy_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the alembic migrations to SAAS_DATABASE_URL").set_defaults(run=_db_upgrade)
    tenancy_cli.register(sub)
    audit_cli.register(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from saas.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    import asyncio

    from saas.db import default_database, dispose_default, upgrade_schema

    async def upgrade() -> str:
        try:
            database = default_database()
            await upgrade_schema(database)
            return database.engine.url.render_as_string(hide_password=True)
        finally:
            await dispose_default()

    print(f"database at head: {asyncio.run(upgrade())}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SaasError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
