"""``saas webhooks list|redeliver``: what was sent to a tenant's endpoint, and sending it again."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

Assemble = Callable[[], Any]
"""Builds a started runtime as an async context manager (``saas.cli`` passes it in)."""
Enqueue = Callable[[Any, str, str], None]
"""Hands a pending delivery to the runtime's dispatcher (``saas.cli`` passes it in)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], assemble: Assemble, enqueue: Enqueue) -> None:
    hooks = sub.add_parser("webhooks", help="webhook deliveries").add_subparsers(dest="webhooks_command",
                                                                                 required=True)
    listing = hooks.add_parser("list", help="recent deliveries, newest first")
    listing.add_argument("--tenant", required=True)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=lambda args: asyncio.run(_list(args, assemble)))
    again = hooks.add_parser("redeliver", help="send an event again (re-enables a 410-disabled endpoint)")
    again.add_argument("delivery")
    again.add_argument("--tenant", required=True)
    again.set_defaults(run=lambda args: asyncio.run(_redeliver(args, assemble, enqueue)))


async def _list(args: argparse.Namespace, assemble: Assemble) -> int:
    from saas.webhooks.outbox import Deliveries  # the database layer: only when the command runs

    async with assemble() as runtime, runtime.db.sessions() as session:
        rows = await Deliveries(session, args.tenant).recent(args.limit)
    print(f"{'id':48} {'event':24} {'status':10} {'tries':>5} {'http':>4}  created / next attempt / error")
    for row in rows:
        when = row.delivered_at or row.next_attempt_at or ""
        print(f"{row.id:48} {row.event_type:24} {row.status:10} {row.attempts:5} {row.last_status or '':>4}  "
              f"{row.created_at} {when} {row.last_error or ''}")
    return 0


async def _redeliver(args: argparse.Namespace, assemble: Assemble, enqueue: Enqueue) -> int:
    from saas.webhooks.delivery import redeliver

    async with assemble() as runtime:
        async with runtime.db.session_scope() as session:
            row = await redeliver(session, args.tenant, args.delivery)
        enqueue(runtime, args.tenant, row.id)
        if hasattr(runtime.trips.dispatcher, "join"):
            runtime.trips.dispatcher.join()  # embedded mode: send before the process exits
    print(f"{row.id}: queued for delivery to {row.url}")
    return 0
