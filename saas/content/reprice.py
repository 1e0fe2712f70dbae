"""Recorded quotes priced again under a change: the configuration or ruleset in force, and the draft.

Everything else is held equal: the same quote, the rate table in effect on its date, the tenant's
live model. Nothing is recorded; the premiums go into the test run's exhibit, keyed by decision id
(old and new are paired by key, never by position: ``saas.rates.impact.pair_by_key``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import msgspec
from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.service import newest_first
from saas.errors import SaasError
from saas.quote.schemas import Quote
from saas.rates.impact import Impact, ScenarioError, compute_impact, pair_by_key
from saas.rating.quoting import QuoteService
from saas.rating.responses import DecisionPayload
from saas.rating.service import Pinned, Priced, price_batch
from saas.rules.ruleset import CompiledRuleset
from saas.tenancy.service import LoadedTenant

DEFAULT_QUOTES = 1_000
Scenario = tuple[str, Quote]


class QuoteImpact(Struct, frozen=True, omit_defaults=True):
    """The premium exhibit over re-priced quotes, plus the counts a rate filing asks for."""

    quotes: int
    impact: Impact | None = None
    beyond_10_pct: int = 0
    beyond_25_pct: int = 0
    note: str | None = None


async def recorded_quotes(session: AsyncSession, tenant_id: str, *, count: int | None = None,
                          since: dt.date | None = None, states: Sequence[str] | None = None) -> list[Scenario]:
    """The tenant's newest recorded quotes (``count``, default 1,000), or all since ``since``."""
    wanted = count or (None if since else DEFAULT_QUOTES)
    out: list[Scenario] = []
    async for entry in newest_first(session, tenant_id, "quote"):
        if since is not None and entry.created_at[:10] < since.isoformat():
            break
        payload = msgspec.convert(entry.payload, DecisionPayload, strict=False)
        if states is None or payload.request.policy.state in states:
            out.append((entry.decision_id, payload.request))
        if wanted is not None and len(out) >= wanted:
            break
    return out


def premiums(quotes: QuoteService, tenant: LoadedTenant, scenarios: Sequence[Scenario],
             rulesets: Mapping[str, CompiledRuleset]) -> dict[str, Decimal | ScenarioError]:
    """Each quote's premium with ``tenant``'s configuration and these rulesets, or why not."""
    out: dict[str, Decimal | ScenarioError] = {}
    batch: list[tuple[str, Quote, Pinned]] = []
    for key, quote in scenarios:
        policy = quote.policy
        try:
            if policy.state not in tenant.config.states:
                raise SaasError(f"the configuration does not serve {policy.state}")
            table = quotes.rates.table_in_effect(tenant.config.id, policy.state, policy.product,
                                                 policy.effective_date, policy.transaction)
            batch.append((key, quote, Pinned(rulesets[policy.state], table)))
        except (SaasError, KeyError) as exc:
            out[key] = ScenarioError(key, exc.detail if isinstance(exc, SaasError) else f"no ruleset for {exc}")
    if batch:
        results = price_batch(tenant, [q for _, q, _ in batch], [p for _, _, p in batch], quotes.models.live(tenant),
                              explain=False, code_version=quotes.code_version, spread=quotes.spread_override)
        for (key, _, _), result in zip(batch, results, strict=True):
            out[key] = result.response.premium if isinstance(result, Priced) else ScenarioError(key, result.detail)
    return out


def quote_impact(old: Mapping[str, Decimal | ScenarioError], new: Mapping[str, Decimal | ScenarioError]) -> QuoteImpact:
    if not old:
        return QuoteImpact(0, note="no recorded quotes to re-price yet")
    paired = pair_by_key(old, new)
    changes = [p for p in paired if not isinstance(p, ScenarioError)]
    if not changes:
        return QuoteImpact(len(paired), note="no recorded quote could be priced both ways",
                           impact=None)
    return QuoteImpact(len(paired), compute_impact(paired),
                       beyond_10_pct=sum(1 for c in changes if abs(c.pct_change) > 10),
                       beyond_25_pct=sum(1 for c in changes if abs(c.pct_change) > 25))
