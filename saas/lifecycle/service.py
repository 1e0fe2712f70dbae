"""The shadow report: the same exhibit as a rate-version impact test, for a candidate model.

Every quote of a tenant with a ``shadow_model`` records what the shadow would have priced (see
``saas.rating.quoting``). Pairing each decision's live premium with its shadow premium, by
decision id, gives the premium change distribution, the dislocation bands and the tier
migrations a promotion would cause, before the model prices anyone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.service import newest_first
from saas.clock import utc_timestamp
from saas.lifecycle.schemas import ShadowReport, TierMove
from saas.rates.impact import ScenarioError, compute_impact, pair_by_key
from saas.rating.responses import DecisionPayload

MAX_DECISIONS = 200_000
"""Decisions read for one report at the most (newest first)."""


async def shadow_report(session: AsyncSession, tenant_id: str, since: dt.date | None = None) -> ShadowReport:
    cutoff = utc_timestamp(dt.datetime.combine(since, dt.time(), dt.UTC)) if since else None
    live: dict[str, Decimal | ScenarioError] = {}
    shadow: dict[str, Decimal | ScenarioError] = {}
    moves: Counter[tuple[str, str]] = Counter()
    live_models: set[str] = set()
    shadow_models: set[str] = set()
    read = 0
    async for entry in newest_first(session, tenant_id, "quote"):
        if (cutoff is not None and entry.created_at < cutoff) or read >= MAX_DECISIONS:
            break
        read += 1
        payload = msgspec.convert(entry.payload, DecisionPayload, strict=False)
        if payload.shadow is None:
            continue
        live[entry.decision_id], shadow[entry.decision_id] = payload.response.premium, payload.shadow.premium
        moves[(payload.response.tier or "", payload.shadow.tier)] += 1
        live_models.add(payload.response.versions.model or "")
        shadow_models.add(payload.shadow.model)
    impact = compute_impact(pair_by_key(live, shadow)) if live else None
    return ShadowReport(since=str(since) if since else None, quotes=len(live), shadow_models=sorted(shadow_models),
                        live_models=sorted(live_models),
                        tier_migration=[TierMove(a, b, n) for (a, b), n in sorted(moves.items())], impact=impact)
