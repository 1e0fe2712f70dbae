"""Reading notices back: one by decision, and the period's register with its figures.

The register counts adverse decisions from the decisions themselves (declines, quotes whose
telematics factor is above 1, drivers whose tier moved up in the month's scores), not from the
notices, so "notices: 100 %" is a check and not a tautology. Days to delivery run from the
notice's chain timestamp to the outbox row's ``delivered_at``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.models import AuditEntryRow
from saas.audit.service import AuditRepository, get_decision
from saas.clock import parse_timestamp, utc_timestamp
from saas.compliance.recorder import event_id
from saas.compliance.schemas import DECLINE_KIND, NOTICE_KIND, Notice, Register, RegisterEntry, TenantFigures, notice_id
from saas.compliance.tiers import dearer
from saas.errors import NotFound, ValidationFailed
from saas.tenancy.scoping import TenantRepository
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import PERIOD, previous_period
from saas.trips.models import DriverScoreRow, ScoringRunRow
from saas.webhooks.models import DeliveryRow

PAGE = 1000
DAY = Decimal(86400)


def period_bounds(period: str, path: str = "$.period") -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) in UTC; a malformed period names its path."""
    if PERIOD.match(period) is None or not 1 <= int(period[:4]) <= 9998:
        raise ValidationFailed(f"period must be a month YYYY-MM from 0001-01 to 9998-12, got {period[:20]!r}",
                               path=path)
    year, month = int(period[:4]), int(period[5:])
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


async def read_notice(session: AsyncSession, tenant_id: str, decision_id: str) -> Notice:
    """The notice of one of the tenant's decisions; unknown, not adverse or another tenant's: NotFound alike."""
    try:
        entry = await get_decision(session, tenant_id, notice_id(decision_id)[:64])
    except NotFound:
        raise NotFound(f"no adverse-action notice for decision {decision_id}") from None
    return msgspec.convert(entry.payload, Notice)


async def entries_of(session: AsyncSession, tenant_id: str, kinds: Sequence[str], period: str
                     ) -> AsyncIterator[AuditEntryRow]:
    """The tenant's entries of ``kinds`` created in the period, in seq order, a page at a time."""
    start, end = period_bounds(period)
    repo, after = AuditRepository(session, tenant_id), 0
    while True:
        stmt = repo.statement().where(AuditEntryRow.kind.in_(kinds), AuditEntryRow.seq > after,
                                      AuditEntryRow.created_at >= utc_timestamp(start),
                                      AuditEntryRow.created_at < utc_timestamp(end))
        rows = (await session.execute(stmt.order_by(AuditEntryRow.seq).limit(PAGE))).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].seq


class _Deliveries(TenantRepository[DeliveryRow]):
    model = DeliveryRow
    noun = "webhook delivery"


class _Runs(TenantRepository[ScoringRunRow]):
    model = ScoringRunRow
    noun = "scoring run"


class _Scores(TenantRepository[DriverScoreRow]):
    model = DriverScoreRow
    noun = "driver score"


class _Factor(msgspec.Struct):
    name: str
    value: Decimal


class _Response(msgspec.Struct):
    factors: list[_Factor]


class _Quote(msgspec.Struct):
    response: _Response


_QUOTE = msgspec.json.Decoder(_Quote).decode
"""Only the factors of a recorded quote: the rest of a payload is skipped, not built."""


async def adverse_decisions(session: AsyncSession, tenant: LoadedTenant, period: str) -> Counter[str]:
    """Adverse decisions of the period by kind, counted from the decisions, not from the notices."""
    counts: Counter[str] = Counter()
    tenant_id = tenant.config.id
    async for row in entries_of(session, tenant_id, ("quote", DECLINE_KIND), period):
        if row.kind == DECLINE_KIND:
            counts["quote_declined"] += 1
            continue
        factors = _QUOTE(row.payload).response.factors
        if any(f.name == "telematics" and f.value > 1 for f in factors):
            counts["telematics_surcharge"] += 1
    counts["tier_increase"] = 0
    for scored in await _scored_months(session, tenant_id, period):
        counts["tier_increase"] += await _moves_up(session, tenant, scored)
    return counts


async def _scored_months(session: AsyncSession, tenant_id: str, period: str) -> list[str]:
    """The months whose scores were (last) written by a run made in ``period``: a tier move is decided
    when the run runs, so it belongs to the register of that month, like its notice."""
    start, end = period_bounds(period)
    runs = await _Runs(session, tenant_id).list(ScoringRunRow.created_at >= utc_timestamp(start),
                                                ScoringRunRow.created_at < utc_timestamp(end))
    return sorted({r.period for r in runs})


async def _moves_up(session: AsyncSession, tenant: LoadedTenant, period: str) -> int:
    scores = _Scores(session, tenant.config.id)
    now = await _tiers(scores, period)
    before = await _tiers(scores, previous_period(period))
    return sum(1 for d, t in now.items() if d in before and dearer(tenant, before[d], t))


async def _tiers(scores: _Scores, period: str) -> dict[str, str]:
    stmt = scores.statement().with_only_columns(DriverScoreRow.driver_id, DriverScoreRow.tier).where(
        DriverScoreRow.period == period)
    return {d: t for d, t in (await scores.session.execute(stmt)).all()}


async def register(session: AsyncSession, tenant: LoadedTenant, period: str) -> Register:
    tenant_id = tenant.config.id
    entries: list[RegisterEntry] = []
    mix: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    async for row in entries_of(session, tenant_id, (NOTICE_KIND,), period):
        notice = msgspec.json.decode(row.payload, type=Notice)
        kinds[notice.kind] += 1
        mix.update(r.key for r in notice.reasons)
        entries.append(RegisterEntry(notice.notice_id, notice.decision_id, notice.kind, row.created_at,
                                     [r.key for r in notice.reasons], None, None))
    entries = await _with_deliveries(session, tenant_id, entries)
    adverse = await adverse_decisions(session, tenant, period)
    return Register(tenant_id, period, _figures(sum(adverse.values()), entries, kinds, mix), entries)


async def _with_deliveries(session: AsyncSession, tenant_id: str,
                           entries: list[RegisterEntry]) -> list[RegisterEntry]:
    ids = {event_id(e.notice_id): i for i, e in enumerate(entries)}
    found: dict[int, DeliveryRow] = {}
    keys = list(ids)
    for start in range(0, len(keys), PAGE):
        for row in await _Deliveries(session, tenant_id).list(DeliveryRow.id.in_(keys[start:start + PAGE])):
            found[ids[row.id]] = row
    return [msgspec.structs.replace(e, delivery_status=found[i].status, delivered_at=found[i].delivered_at)
            if i in found else e for i, e in enumerate(entries)]


def _figures(adverse: int, entries: list[RegisterEntry], kinds: Counter[str], mix: Counter[str]) -> TenantFigures:
    days = [(parse_timestamp(e.delivered_at) - parse_timestamp(e.created_at)).total_seconds()
            for e in entries if e.delivered_at]
    as_days = [Decimal(repr(s)) / DAY for s in days]
    rate = Decimal(1) if adverse == 0 else Decimal(len(entries)) / Decimal(adverse)
    q = Decimal("0.0001")
    return TenantFigures(
        adverse_decisions=adverse, notices=len(entries), notice_rate=rate.quantize(q, ROUND_HALF_UP),
        by_kind=dict(sorted(kinds.items())), reason_mix=dict(mix.most_common()), delivered=len(days),
        days_to_delivery_max=max(as_days).quantize(q, ROUND_HALF_UP) if as_days else None,
        days_to_delivery_mean=(sum(as_days, Decimal(0)) / len(as_days)).quantize(q, ROUND_HALF_UP)
        if as_days else None)
