"""``saas ml shadow-report --tenant ID [--since DATE]``."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from saas.settings import load_settings

if TYPE_CHECKING:
    from saas.lifecycle.schemas import ShadowReport


def register(ml: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = ml.add_parser("shadow-report", help="premium impact had the tenant's shadow model been live")
    report.add_argument("--tenant", required=True)
    report.add_argument("--since", type=dt.date.fromisoformat)
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    from saas.db import Database
    from saas.lifecycle.service import shadow_report
    from saas.rates.impact_render import render_text

    async def run() -> ShadowReport:
        db = Database(load_settings().database_url)
        try:
            async with db.sessions() as session:
                return await shadow_report(session, args.tenant, args.since)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    print(f"{report.quotes} quotes with a shadow score since {report.since or 'the start'}; "
          f"live {', '.join(report.live_models) or '-'} vs shadow {', '.join(report.shadow_models) or '-'}")
    for move in report.tier_migration:
        print(f"  tier {move.from_tier} -> {move.to_tier}: {move.count}")
    if report.impact is not None:
        print(render_text(report.impact))
    return 0
