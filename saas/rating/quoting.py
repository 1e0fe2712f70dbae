"""Quotes as recorded decisions: price with the pinned inputs, append to the tenant's audit chain.

Pricing and recording are one unit: the audit entries are appended in the same transaction that
makes the decisions visible, so a quote the client received is always in the chain, and a failed
append leaves nothing behind. Everything the service needs (configuration, rate source, model,
decision log, the operator's spread override) is handed to it by the assembly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

import anyio

from saas.audit.decisions import DecisionLog
from saas.audit.schemas import NewEntry
from saas.clock import utc_timestamp
from saas.errors import QuoteDeclined, SaasError
from saas.money import ONE
from saas.quote.schemas import Quote
from saas.rating.responses import DecisionPayload, DeclinePayload, QuoteResponse, ShadowScore
from saas.rating.service import Pinned, Priced, price_batch, price_slice, score_batch
from saas.rating.sources import RateSource
from saas.rules.ruleset import CompiledRuleset
from saas.rules.versions import version_of
from saas.scoring.model import RiskModel
from saas.scoring.selection import TenantModels
from saas.tenancy.service import LoadedTenant

BULK_SLICE = 500
"""Quotes priced, sealed and encoded together in a bulk request (bounds its working memory)."""


class Configuration(Protocol):
    """The loaded tenants and rulesets (``saas.catalog.Catalog``)."""

    def tenant(self, tenant_id: str) -> LoadedTenant: ...

    def ruleset(self, tenant: LoadedTenant, state: str) -> CompiledRuleset: ...


class AdverseActions(Protocol):
    """Whoever records adverse-action notices (``saas.compliance``, given by the assembly): asked
    about every decision, it returns the notice entry to append with it, or None."""

    def wants_explanation(self, response: QuoteResponse) -> bool:
        """Whether this priced quote will need a notice, hence its contributions."""
        ...

    def for_quote(self, tenant: LoadedTenant, priced: Priced, model: RiskModel) -> NewEntry | None: ...

    def for_decline(self, tenant: LoadedTenant, quote: Quote, declined: QuoteDeclined,
                    versions: dict[str, str | None], now: dt.datetime) -> NewEntry | None: ...


class QuoteService:
    def __init__(self, config: Configuration, rates: RateSource, models: TenantModels | RiskModel,
                 decisions: DecisionLog, *, code_version: str, spread_override: Decimal | None = None,
                 adverse: AdverseActions | None = None) -> None:
        self.config, self.rates, self.decisions = config, rates, decisions
        self.models = TenantModels.of(models)
        self.code_version = code_version
        self.spread_override = spread_override
        self.adverse = adverse
        """Notices are computed from the exact contributions: with it, an adverse quote computes them."""

    def resolve(self, tenant: LoadedTenant, quote: Quote) -> Pinned | SaasError:
        """The ruleset and rate table this quote is rated with, or why it cannot be."""
        try:
            ruleset = self.config.ruleset(tenant, quote.policy.state)
            policy = quote.policy
            table = self.rates.table_in_effect(tenant.config.id, policy.state, policy.product, policy.effective_date,
                                               policy.transaction)
        except SaasError as exc:
            return exc
        return Pinned(ruleset, table)

    def price(self, tenant_id: str, quotes: Sequence[Quote], *, explain: bool,
              now: dt.datetime | None = None) -> list[Priced | SaasError]:
        """Price without recording (benchmarks, and what-if runs that must not enter the chain)."""
        tenant = self.config.tenant(tenant_id)
        pinned = [self.resolve(tenant, q) for q in quotes]
        results = price_batch(tenant, quotes, pinned, self.models.live(tenant), explain=explain,
                              code_version=self.code_version, now=now, spread=self.spread_override,
                              explain_if=self.adverse.wants_explanation if self.adverse else None)
        shadow = self.models.shadow(tenant)
        if shadow is None:
            return results
        shadows = price_batch(tenant, quotes, pinned, shadow, explain=False, code_version=self.code_version, now=now,
                              spread=self.spread_override)
        return with_shadows(results, shadows)

    @property
    def model(self) -> RiskModel:
        """The platform's serving model (tenants may pin others)."""
        return self.models.default

    async def quote_and_record(self, tenant_id: str, quotes: Sequence[Quote], *,
                               explain: bool) -> list[Priced | SaasError]:
        """Price a few quotes (a single-quote request) and append one audit entry per priced quote.

        Pricing runs on the event loop: one quote costs well under 2 ms. Large batches go through
        ``quote_bulk``, which prices in a worker thread. Returns only after the entries are committed
        (group commit, ``saas.audit.writer``)."""
        now = dt.datetime.now(dt.UTC)
        results = self.price(tenant_id, quotes, explain=explain, now=now)
        tenant = self.config.tenant(tenant_id)
        await self.decisions.record(tenant_id, self.entries(tenant, quotes, results, explain, now))
        return results

    def entries(self, tenant: LoadedTenant, quotes: Sequence[Quote], results: Sequence[Priced | SaasError],
                explain: bool, now: dt.datetime) -> list[NewEntry]:
        """The audit entries of priced and declined quotes, each followed by its notice if adverse:
        appended together, so a decision and its notice commit in one transaction or not at all."""
        out: list[NewEntry] = []
        model = self.models.live(tenant)
        for quote, result in zip(quotes, results, strict=True):
            notice = None
            if isinstance(result, Priced):
                out.append(decision_entry(result, explain, now))
                notice = self.adverse.for_quote(tenant, result, model) if self.adverse else None
            elif isinstance(result, QuoteDeclined):
                entry = self.decline_entry(tenant, quote, result, now)
                out.append(entry)
                notice = self.adverse.for_decline(tenant, quote, result, entry.payload.versions, now) \
                    if self.adverse else None
            if notice is not None:
                out.append(notice)
        return out

    def decline_entry(self, tenant: LoadedTenant, quote: Quote, declined: QuoteDeclined,
                      now: dt.datetime) -> NewEntry:
        """A decline is a decision too: recorded with its rule, citation and the versions it used."""
        declined.decision_id = str(uuid.uuid4())
        pin = self.resolve(tenant, quote)
        versions: dict[str, str | None] = {"tenant_config": tenant.content_hash, "code": self.code_version}
        if isinstance(pin, Pinned):
            versions |= {"rate_table": pin.table.content_hash, "ruleset": version_of(pin.ruleset)}
        payload = DeclinePayload(request=quote, reason=declined.detail, rule_id=declined.rule_id,
                                 cite=declined.cite, versions=versions)
        return NewEntry(kind="quote_declined", payload=payload, decision_id=declined.decision_id, created_at=now)

    async def quote_bulk(self, tenant_id: str, quotes: Sequence[Quote], *, explain: bool,
                         encode: Callable[[int, Priced | SaasError], bytes]) -> tuple[list[bytes], int]:
        """Price a bulk request slice by slice and return each result already encoded by ``encode``.

        One model call scores the whole batch (and one computes its contributions); pricing, sealing
        and encoding then go ``BULK_SLICE`` quotes at a time inside ONE transaction, so memory holds
        the encoded results plus one slice of objects, and either every priced quote is recorded or none.
        """
        tenant = self.config.tenant(tenant_id)
        pinned = [self.resolve(tenant, q) for q in quotes]
        now = dt.datetime.now(dt.UTC)
        created = utc_timestamp(now)
        model, shadow = self.models.live(tenant), self.models.shadow(tenant)
        scored = await anyio.to_thread.run_sync(lambda: score_batch(
            tenant, quotes, pinned, model, explain=explain or self.adverse is not None, spread=self.spread_override))
        shadow_scored = None if shadow is None else await anyio.to_thread.run_sync(lambda: score_batch(
            tenant, quotes, pinned, shadow, explain=False, spread=self.spread_override))
        encoded: list[bytes] = []
        recorded = 0
        async with self.decisions.transaction() as session:
            for start in range(0, len(quotes), BULK_SLICE):
                span = range(start, min(start + BULK_SLICE, len(quotes)))
                results = await anyio.to_thread.run_sync(lambda span=span: price_slice(  # type: ignore[misc]
                    tenant, quotes, pinned, model, scored, span, code_version=self.code_version, created=created,
                    show=explain, explain_if=self.adverse.wants_explanation if self.adverse else None))
                if shadow is not None and shadow_scored is not None:
                    results = with_shadows(results, price_slice(tenant, quotes, pinned, shadow, shadow_scored, span,
                                                                code_version=self.code_version, created=created))
                entries = self.entries(tenant, quotes[span.start:span.stop], results, explain, now)
                await self.decisions.record_in(session, tenant_id, entries)
                recorded += sum(isinstance(r, Priced) for r in results)
                encoded.extend(encode(i, result) for i, result in zip(span, results, strict=True))
        return encoded, recorded


def with_shadows(live: list[Priced | SaasError], shadows: list[Priced | SaasError]) -> list[Priced | SaasError]:
    """Attach each quote's shadow result to its live one (same positions: the same quotes, two models)."""
    out: list[Priced | SaasError] = []
    for result, shadow in zip(live, shadows, strict=True):
        risk = shadow.response.risk_score if isinstance(shadow, Priced) else None
        if isinstance(result, Priced) and isinstance(shadow, Priced) and risk is not None:
            r = shadow.response
            result = replace(result, shadow=ShadowScore(r.versions.model or "", risk, r.multiplier or ONE,
                                                        r.tier or "", r.premium))
        out.append(result)
    return out


def decision_entry(priced: Priced, explain: bool, now: dt.datetime) -> NewEntry:
    payload = DecisionPayload(request=priced.quote, response=priced.response, explain=explain,
                              rule_trace=priced.evaluation.trace, shadow=priced.shadow)
    return NewEntry(kind="quote", payload=payload, decision_id=priced.response.decision_id, created_at=now)
