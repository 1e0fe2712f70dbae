"""Impact tests of a rate version: the same quotes rated with it and with what is deployed today.

Approval requires one, so an approver sees what a change does to premiums before it prices
anyone. Scenarios come from the caller (each keyed by its ``scenario_id``, its ``reference`` or
its position) or from the tenant's recent priced quotes (keyed by decision id); old and new
premiums are paired by that key, never by position, and nothing here enters a customer's record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.service import newest_first
from saas.errors import SaasError, ValidationFailed
from saas.quote.schemas import Quote
from saas.rates.impact import Impact, ScenarioError, compute_impact, pair_by_key
from saas.rates.schemas import ScenarioResult, TestRequest
from saas.rating.lookups import RateTable
from saas.rating.quoting import QuoteService
from saas.rating.responses import DecisionPayload
from saas.rating.service import Pinned, Priced, price_batch

Scenario = tuple[str, Quote]
SCAN_FACTOR = 20
"""Recent quotes are filtered by state: read at most this many entries per scenario wanted."""


class Wrapped(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    scenario_id: str
    quote: Quote


def caller_scenarios(raws: Sequence[msgspec.Raw]) -> list[Scenario]:
    """Each item is a quote or ``{"scenario_id", "quote"}``; keys must be unique."""
    out: list[Scenario] = []
    for index, raw in enumerate(raws):
        try:
            peek = msgspec.json.decode(raw)
            wrapped = isinstance(peek, dict) and "scenario_id" in peek
            item = msgspec.json.decode(raw, type=Wrapped) if wrapped else msgspec.json.decode(raw, type=Quote)
        except msgspec.ValidationError as exc:
            raise ValidationFailed(str(exc).split(" - at ")[0], path=_at(exc, f"$.scenarios[{index}]")) from None
        if isinstance(item, Wrapped):
            out.append((item.scenario_id, item.quote))
        else:
            out.append((item.reference or f"#{index}", item))
    keys = [key for key, _ in out]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValidationFailed(f"scenario keys must be unique; repeated: {', '.join(repeated[:5])}", path="$.scenarios")
    return out


def _at(exc: msgspec.ValidationError, prefix: str) -> str:
    text = str(exc)
    return prefix + text.split(" - at `$", 1)[1].rstrip("`") if " - at `$" in text else prefix


async def recent_scenarios(session: AsyncSession, tenant_id: str, state: str, product: str, n: int) -> list[Scenario]:
    """The tenant's last ``n`` priced quotes of this state and product, keyed by decision id."""
    out: list[Scenario] = []
    scanned = 0
    async for entry in newest_first(session, tenant_id, "quote"):
        scanned += 1
        payload = msgspec.convert(entry.payload, DecisionPayload, strict=False)
        policy = payload.request.policy
        if policy.state == state and policy.product == product:
            out.append((entry.decision_id, payload.request))
        if len(out) >= n or scanned >= n * SCAN_FACTOR:
            break
    if not out:
        raise ValidationFailed(f"no recent {product} quotes in {state} to test with", path="$.recent_decisions")
    return out


def rate_scenarios(quotes: QuoteService, tenant_id: str, version: RateTable, scenarios: Sequence[Scenario],
                   today: dt.date) -> tuple[list[ScenarioResult], Impact | None]:
    """Price each scenario with ``version`` and with the table deployed today; everything else equal."""
    tenant = quotes.config.tenant(tenant_id)
    old: dict[str, Decimal | ScenarioError] = {}
    new: dict[str, Decimal | ScenarioError] = {}
    baselines: dict[str, str] = {}
    for key, quote in scenarios:
        try:
            ruleset = quotes.config.ruleset(tenant, quote.policy.state)
            baseline = quotes.rates.table_in_effect(tenant_id, version.state, version.product, today,
                                                    quote.policy.transaction)
        except SaasError as exc:
            old[key] = new[key] = ScenarioError(key, exc.detail)
            continue
        if (quote.policy.state, quote.policy.product) != (version.state, version.product):
            why = f"a {quote.policy.state} quote cannot test a {version.state} table"
            old[key] = new[key] = ScenarioError(key, why)
            continue
        baselines[key] = baseline.content_hash
        old[key], new[key] = (_premium(quotes, tenant, quote, Pinned(ruleset, table), key)
                              for table in (baseline, version))
    paired = pair_by_key(old, new)
    results = [ScenarioResult(p.key, error=p.message) if isinstance(p, ScenarioError) else
               ScenarioResult(p.key, p.old, p.new, p.change, p.pct_change, baselines.get(p.key)) for p in paired]
    priced = any(r.error is None for r in results)
    return results, compute_impact(paired) if priced else None


def _premium(quotes: QuoteService, tenant: object, quote: Quote, pinned: Pinned, key: str) -> Decimal | ScenarioError:
    (result,) = price_batch(tenant, [quote], [pinned], quotes.model, explain=False,  # type: ignore[arg-type]
                            code_version=quotes.code_version, spread=quotes.spread_override)
    if isinstance(result, Priced):
        return result.response.premium
    return ScenarioError(key, result.detail)


def scenarios_requested(request: TestRequest) -> None:
    if (request.scenarios is None) == (request.recent_decisions is None):
        raise ValidationFailed("give exactly one of 'scenarios' or 'recent_decisions'", path="$")
