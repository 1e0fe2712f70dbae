"""Tier moves of a monthly run: a notice for every driver moved to a dearer tier than last month.

The run has no premium, so the price difference is stated per $100 of premium before telematics:
``100 × (this month's multiplier − last month's)``, in cents. It is split over the model inputs by
how much each one's exact contribution changed between the two months, both months explained by
the run's model under the driver's state's feature set (``scoring.pipeline.score_matrix``, the very
call the chunk made), so this month's side is the chunk's own result.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import msgspec
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.decisions import DecisionLog
from saas.audit.models import AuditEntryRow
from saas.audit.service import AuditRepository
from saas.clock import utc_timestamp
from saas.compliance.attribution import CENT, as_decimal, to_cents
from saas.compliance.effects import principal_reasons
from saas.compliance.notices import program
from saas.compliance.recorder import notice_entry
from saas.compliance.schemas import Effect, Notice, Reconciliation, notice_id
from saas.compliance.wording import RIGHTS, driving_sentence
from saas.scoring.coaching import coaching_tips
from saas.scoring.explain import Explanation
from saas.scoring.features import feature_set
from saas.scoring.model import RiskModel
from saas.scoring.pipeline import score_matrix
from saas.tenancy.scoping import TenantRepository
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import previous_period
from saas.trips.models import DriverRow, DriverScoreRow

HUNDRED = Decimal(100)


class _Scores(TenantRepository[DriverScoreRow]):
    model = DriverScoreRow
    noun = "driver score"


class _Drivers(TenantRepository[DriverRow]):
    model = DriverRow
    noun = "driver"


def dearer(tenant: LoadedTenant, before: str, after: str) -> bool:
    """A move up: to a tier with a higher factor, or (dynamic mapping, no factors) a later tier."""
    tiers = {t.name: (i, t.factor) for i, t in enumerate(tenant.config.pricing.tiers)}
    if before not in tiers or after not in tiers:
        return False
    (i, f), (j, g) = tiers[before], tiers[after]
    return g > f if f is not None and g is not None else j > i


def decision_of(tenant_id: str, period: str, driver_id: str, before: str, after: str) -> str:
    """The tier move's decision id: the same for the same move however often the month is re-run,
    so a driver gets one notice per move, not one per run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"saas:tier-move:{tenant_id}:{period}:{driver_id}:{before}:{after}"))


class TierNotices:
    """``trips.chunk_run.TierMoves``: reads both months' rows in the chunk's session and appends the notices."""

    async def record_moves(self, session: AsyncSession, decisions: DecisionLog, tenant: LoadedTenant,
                           model: RiskModel, run_id: str, period: str, moves: Sequence[tuple[str, str, str]], *,
                           spread_override: Decimal | None) -> int:
        tenant_id = tenant.config.id
        up = [m for m in moves if dearer(tenant, m[1], m[2])]
        up = await _not_yet_noticed(session, tenant_id, period, up)
        if not up:
            return 0
        ids = [d for d, _, _ in up]
        now = _rows(await _Scores(session, tenant_id).list(DriverScoreRow.period == period,
                                                           DriverScoreRow.driver_id.in_(ids)))
        then = _rows(await _Scores(session, tenant_id).list(DriverScoreRow.period == previous_period(period),
                                                            DriverScoreRow.driver_id.in_(ids)))
        states = {d.driver_id: d.state for d in await _Drivers(session, tenant_id).list(DriverRow.driver_id.in_(ids))}
        entries = []
        for driver, before, after in up:
            if driver in now and driver in then:
                notice = move_notice(tenant, model, run_id, period, driver, before, after, now[driver],
                                     then[driver], states.get(driver), spread_override)
                entries.append(notice_entry(notice))
        await decisions.record_in(session, tenant_id, entries)
        return len(entries)


async def _not_yet_noticed(session: AsyncSession, tenant_id: str, period: str,
                           moves: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The moves without a notice yet (a re-run of the month decides the same moves again)."""
    ids = {notice_id(decision_of(tenant_id, period, *move)): move for move in moves}
    repo = AuditRepository(session, tenant_id)
    seen: set[str] = set()
    keys = list(ids)
    for start in range(0, len(keys), 1000):
        stmt = repo.statement().with_only_columns(AuditEntryRow.decision_id).where(
            AuditEntryRow.decision_id.in_(keys[start:start + 1000]))
        seen.update((await session.execute(stmt)).scalars())
    return [move for key, move in ids.items() if key not in seen]


def _rows(rows: Sequence[DriverScoreRow]) -> dict[str, DriverScoreRow]:
    return {r.driver_id: r for r in rows}


def explained(tenant: LoadedTenant, model: RiskModel, row: DriverScoreRow, state: str | None,
              spread: Decimal | None) -> Explanation:
    values = msgspec.json.decode(row.features)
    X = np.array([[np.nan if values.get(n) is None else float(values[n]) for n in model.feature_names]])
    scored = score_matrix(model, tenant.config.pricing, X, explain=True, spread_override=spread,
                          features=feature_set(tenant.config, state))
    found = scored.explanation(0)
    assert found is not None
    return found


def move_notice(tenant: LoadedTenant, model: RiskModel, run_id: str, period: str, driver: str, before: str,
                after: str, now: DriverScoreRow, then: DriverScoreRow, state: str | None,
                spread: Decimal | None) -> Notice:
    new, old = explained(tenant, model, now, state, spread), explained(tenant, model, then, state, spread)
    difference = (HUNDRED * (Decimal(now.multiplier) - Decimal(then.multiplier))).quantize(CENT, ROUND_HALF_UP)
    olds = {c.feature: c.contribution for c in old.contributions}
    keys = [c.feature for c in new.contributions]
    weights = [as_decimal(c.contribution) - as_decimal(olds.get(c.feature, 0.0)) for c in new.contributions]
    if sum(weights, Decimal(0)) * difference <= 0:
        weights = [w if w * difference > 0 else Decimal(0) for w in weights]
    amounts = to_cents(difference, weights) if difference else [Decimal("0.00")] * len(keys)
    effects = [Effect(c.feature, "telematics", a, driving_sentence(c.feature, c.value))
               for c, a in zip(new.contributions, amounts, strict=True) if a != 0]
    decision = decision_of(tenant.config.id, period, driver, before, after)
    return Notice(
        notice_id=notice_id(decision), decision_id=decision, tenant_id=tenant.config.id, kind="tier_increase",
        created_at=utc_timestamp(), period=period, driver_id=driver,
        action=f"Your driving in {period} moved you from tier {before} to tier {after}, which costs "
               f"${difference:,.2f} more for every $100 of premium before telematics than last month.",
        reasons=principal_reasons(effects), effects=effects,
        data_source=program(tenant, None, period=period, trips=now.trips),
        versions={"model": model.version, "tenant_config": tenant.content_hash, "scoring_run": run_id},
        what_you_can_do=[t.text for t in coaching_tips(new.contributions)], rights=RIGHTS,
        benchmark=Decimal(then.multiplier), premium=Decimal(now.multiplier),
        unit="USD per $100 of premium before telematics",
        reconciliation=Reconciliation(difference=difference, telematics_total=sum((e.amount for e in effects),
                                                                                  Decimal(0)),
                                      above_base=Decimal("0.00"), rating_total=Decimal("0.00")))
