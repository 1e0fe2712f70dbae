"""Quotes as recorded decisions: price, append to the tenant's audit chain, replay.

Pricing and recording are one unit: the audit entries are appended in the same transaction that
makes the decisions visible, so a quote the client received is always in the chain, and a failed
append leaves nothing behind. Replay re-prices from the snapshots the decision pinned (tenant
config, ruleset, rate table by content hash) with the same code path as a live quote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import anyio
import msgspec

from saas.audit.schemas import NewEntry
from saas.audit.service import append_decisions, get_decision
from saas.audit.snapshots import get_snapshot
from saas.clock import utc_timestamp
from saas.errors import ModelError, SaasError
from saas.quote.schemas import Quote
from saas.rating.lookups import compile_table
from saas.rating.responses import DecisionPayload, QuoteResponse, ReplayResponse
from saas.rating.schemas import RateTableSpec
from saas.rating.service import Pinned, Priced, price_batch, price_slice, score_batch
from saas.rules.versions import restore
from saas.runtime import Runtime
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant

BULK_SLICE = 500
"""Quotes priced, sealed and encoded together in a bulk request (bounds its working memory)."""


def resolve(rt: Runtime, tenant: LoadedTenant, quote: Quote) -> Pinned | SaasError:
    try:
        ruleset = rt.catalog.ruleset(tenant, quote.policy.state)
        table = rt.catalog.rate_table(tenant.config.id, quote.policy.state, quote.policy.product,
                                      quote.policy.effective_date)
    except SaasError as exc:
        return exc
    return Pinned(ruleset, table)


async def quote_and_record(
    rt: Runtime, tenant_id: str, quotes: Sequence[Quote], *, explain: bool
) -> list[Priced | SaasError]:
    """Price a few quotes (a single-quote request) and append one audit entry per priced quote.

    Pricing runs on the event loop: one quote costs well under 2 ms. Large batches go through
    ``quote_bulk``, which prices in a worker thread. Returns only after the entries are committed
    (group commit, ``saas.audit.writer``)."""
    tenant = rt.catalog.tenant(tenant_id)
    pinned = [resolve(rt, tenant, q) for q in quotes]
    now = dt.datetime.now(dt.UTC)
    results = price_batch(tenant, quotes, pinned, rt.model, explain=explain, code_version=rt.code_version, now=now)
    entries = [_entry(p, explain, now) for p in results if isinstance(p, Priced)]
    await rt.audit.append(tenant_id, entries)
    return results


async def quote_bulk(
    rt: Runtime, tenant_id: str, quotes: Sequence[Quote], *, explain: bool,
    encode: Callable[[int, Priced | SaasError], bytes],
) -> tuple[list[bytes], int]:
    """Price a bulk request slice by slice and return each result already encoded by ``encode``.

    One model call scores the whole batch (and one computes its contributions); pricing, sealing
    and encoding then go ``BULK_SLICE`` quotes at a time inside ONE transaction, so memory holds the
    encoded results plus one slice of objects, and either every priced quote is recorded or none.
    """
    tenant = rt.catalog.tenant(tenant_id)
    pinned = [resolve(rt, tenant, q) for q in quotes]
    now = dt.datetime.now(dt.UTC)
    created = utc_timestamp(now)
    scored = await anyio.to_thread.run_sync(lambda: score_batch(tenant, quotes, pinned, rt.model, explain=explain))
    encoded: list[bytes] = []
    recorded = 0
    async with rt.db.session_scope() as session:
        for start in range(0, len(quotes), BULK_SLICE):
            span = range(start, min(start + BULK_SLICE, len(quotes)))
            results = await anyio.to_thread.run_sync(lambda span=span: price_slice(  # type: ignore[misc]
                tenant, quotes, pinned, rt.model, scored, span, code_version=rt.code_version, created=created))
            entries = [_entry(p, explain, now) for p in results if isinstance(p, Priced)]
            await append_decisions(session, tenant_id, entries)
            recorded += len(entries)
            encoded.extend(encode(i, result) for i, result in zip(span, results, strict=True))
    return encoded, recorded


def _entry(priced: Priced, explain: bool, now: dt.datetime) -> NewEntry:
    payload = DecisionPayload(request=priced.quote, response=priced.response, explain=explain,
                              rule_trace=priced.evaluation.trace)
    return NewEntry(kind="quote", payload=payload, decision_id=priced.response.decision_id, created_at=now)


async def load_decision(rt: Runtime, tenant_id: str, decision_id: str) -> DecisionPayload:
    async with rt.db.sessions() as session:
        entry = await get_decision(session, tenant_id, decision_id)
    return msgspec.convert(entry.payload, DecisionPayload, strict=False)


async def replay(rt: Runtime, tenant_id: str, decision_id: str) -> ReplayResponse:
    """Re-price a recorded quote from its pinned inputs and report any difference, field by field."""
    original = await load_decision(rt, tenant_id, decision_id)
    versions = original.response.versions
    async with rt.db.sessions() as session:
        config_json = await get_snapshot(session, "tenant_config", versions.tenant_config, tenant_id=tenant_id)
        ruleset_text = await get_snapshot(session, "ruleset", versions.ruleset, tenant_id=tenant_id)
        table_json = await get_snapshot(session, "rate_table", versions.rate_table, tenant_id=tenant_id)
    if versions.model is not None and versions.model != rt.model.version:
        raise ModelError(f"decision used model {versions.model}; this process serves {rt.model.version}")
    tenant = LoadedTenant(msgspec.json.decode(config_json, type=TenantConfig), versions.tenant_config, "snapshot")
    table = compile_table(msgspec.json.decode(table_json, type=RateTableSpec), source="snapshot")
    pinned = Pinned(restore(ruleset_text, f"snapshot:{versions.ruleset[:12]}"), table)
    created = dt.datetime.fromisoformat(original.response.created_at.replace("Z", "+00:00"))
    (result,) = price_batch(tenant, [original.request], [pinned], rt.model, explain=original.explain,
                            code_version=versions.code, now=created, spread=original.response.target_spread)
    if isinstance(result, SaasError):
        return ReplayResponse(decision_id, False, original.response.premium, None,
                              [f"replay failed: {result.detail}"], versions)
    replayed = msgspec.structs.replace(result.response, decision_id=original.response.decision_id)
    return ReplayResponse(decision_id, replayed == original.response, original.response.premium,
                          replayed.premium, _differences(original.response, replayed), versions)


def _differences(before: QuoteResponse, after: QuoteResponse) -> list[str]:
    old, new = msgspec.to_builtins(before), msgspec.to_builtins(after)
    return [f"{key}: {old.get(key)!r} -> {new.get(key)!r}"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
