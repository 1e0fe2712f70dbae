"""The ``saas`` command: serve the API, check configuration, manage keys, models and audits."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    from ml.cli import register as register_ml

    register_ml(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        import uvicorn

        from saas.app import create_app

        uvicorn.run(create_app(), host=args.host, port=args.port)
    elif hasattr(args, "handler"):
        return int(args.handler(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
