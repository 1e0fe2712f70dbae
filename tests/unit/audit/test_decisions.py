"""The decision log on SQLite: record and read back, tenant isolation, replay dispatch, one transaction,
and quotes and risk scores recorded then replayed end to end with the shipped configuration."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from saas.audit.decisions import DecisionLog
from saas.audit.replay import SnapshotReader
from saas.audit.schemas import NewEntry, Replayed
from saas.audit.service import HeadRepository
from saas.audit.snapshots import put_snapshot
from saas.content.parts import Content
from saas.db import Database
from saas.errors import NotFound
from saas.quote.schemas import Quote, Telematics
from saas.rates.service import RateVersions
from saas.rates.source import DeployedRates
from saas.rating.quoting import QuoteService
from saas.rating.replay import QuoteReplayer
from saas.rating.routes import EXAMPLE_QUOTE
from saas.rating.service import Priced
from saas.runtime import Runtime
from saas.scoring.replay import RiskScoreReplayer
from saas.scoring.schemas import DriverFeatures, RiskScoreRequest
from saas.scoring.selection import TenantModels
from saas.scoring.service import RiskScoreService
from saas.settings import load_settings
from saas.tenancy.ratelimit import TenantRateLimiter
from tests.samples import random_quote
from tests.unit.shipped import shipped_catalog, shipped_model

pytestmark = pytest.mark.unit


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


class SnapshotProbe:
    """A replayer of kind ``probe``: reads the snapshot its payload names and reports what it got."""

    async def replay(self, payload: Any, snapshots: SnapshotReader) -> Replayed:
        content = await snapshots("tenant_config", payload["hash"])
        return Replayed(True, [content], {"tenant_config": payload["hash"]})


@pytest.fixture
async def log(sqlite_database: Database) -> AsyncIterator[DecisionLog]:
    decisions = DecisionLog(sqlite_database)
    decisions.register("probe", SnapshotProbe())
    yield decisions
    await decisions.close()


async def head_of(db: Database, tenant_id: str) -> tuple[int, str] | None:
    async with db.sessions() as session:
        head = await HeadRepository(session, tenant_id).get_one_or_none()
    return None if head is None else (head.last_seq, head.last_hash)


async def test_record_then_get_returns_the_payload_at_its_chain_position(log: DecisionLog) -> None:
    t = tenant()
    first, second = await log.record(t, [NewEntry("quote", {"premium": "812.40", "n": [1, 2]}),
                                         NewEntry("risk_score", {"risk": 0.5})])
    (third,) = await log.record(t, [NewEntry("quote", {"premium": "99.00"}, decision_id="mine-1")])
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert third.decision_id == "mine-1" and third.prev_hash == second.hash
    for recorded in (first, second, third):
        stored = await log.get(t, recorded.decision_id)
        assert stored == recorded
    assert (await log.get(t, first.decision_id)).payload == {"premium": "812.40", "n": [1, 2]}
    assert await head_of(log.db, t) == (3, third.hash)


async def test_another_tenants_decision_is_not_found_exactly_like_a_missing_one(log: DecisionLog) -> None:
    mine, theirs = tenant(), tenant()
    (entry,) = await log.record(theirs, [NewEntry("quote", {"premium": "500.00"})])
    missing = str(uuid.uuid4())
    errors: dict[tuple[str, str], NotFound] = {}
    for label, ident in (("theirs", entry.decision_id), ("missing", missing)):
        with pytest.raises(NotFound) as got:
            await log.get(mine, ident)
        with pytest.raises(NotFound) as replayed:
            await log.replay(mine, ident)
        errors[label, "get"], errors[label, "replay"] = got.value, replayed.value
    for op in ("get", "replay"):
        theirs_error, missing_error = errors["theirs", op], errors["missing", op]
        assert theirs_error.detail.replace(entry.decision_id, "ID") == missing_error.detail.replace(missing, "ID")
        assert theirs_error.path == missing_error.path
        assert "500.00" not in theirs_error.detail and theirs not in theirs_error.detail


async def test_replay_dispatches_by_kind_with_snapshots_of_the_decisions_tenant(log: DecisionLog) -> None:
    mine, theirs = tenant(), tenant()
    async with log.db.session_scope() as session:
        own = await put_snapshot(session, "tenant_config", f'{{"id": "{mine}"}}', tenant_id=mine)
        foreign = await put_snapshot(session, "tenant_config", f'{{"id": "{theirs}"}}', tenant_id=theirs)
        shared = await put_snapshot(session, "tenant_config", f'{{"shared": "{uuid.uuid4()}"}}')
    own_entry, foreign_entry, shared_entry, other_kind = await log.record(mine, [
        NewEntry("probe", {"hash": own}), NewEntry("probe", {"hash": foreign}), NewEntry("probe", {"hash": shared}),
        NewEntry("webhook_sent", {"hash": own})])
    replayed = await log.replay(mine, own_entry.decision_id)
    assert (replayed.kind, replayed.identical, replayed.decision_id) == ("probe", True, own_entry.decision_id)
    assert replayed.differences == [f'{{"id": "{mine}"}}'] and replayed.versions == {"tenant_config": own}
    assert (await log.replay(mine, shared_entry.decision_id)).differences[0].startswith('{"shared"')
    with pytest.raises(NotFound, match=f"tenant_config snapshot {foreign} not found"):
        await log.replay(mine, foreign_entry.decision_id)
    with pytest.raises(NotFound) as unknown:
        await log.replay(mine, other_kind.decision_id)
    assert unknown.value.detail == (f"decision {other_kind.decision_id} is a 'webhook_sent' entry, "
                                    "which has nothing to replay")


async def test_a_transaction_records_all_of_its_slices_or_none(log: DecisionLog) -> None:
    t = tenant()
    (before,) = await log.record(t, [NewEntry("quote", {"premium": "1.00"})])
    doomed = [NewEntry("quote", {"i": i}, decision_id=f"d-{i}") for i in range(4)]
    with pytest.raises(RuntimeError, match="encoding failed"):
        async with log.transaction() as session:
            await log.record_in(session, t, doomed[:2])
            await log.record_in(session, t, doomed[2:])
            raise RuntimeError("encoding failed")
    assert await head_of(log.db, t) == (1, before.hash)
    for i in range(4):
        with pytest.raises(NotFound):
            await log.get(t, f"d-{i}")
    async with log.transaction() as session:  # the same ids: nothing of the failed attempt is left
        await log.record_in(session, t, doomed[:2])
        await log.record_in(session, t, doomed[2:])
    assert [(await log.get(t, f"d-{i}")).seq for i in range(4)] == [2, 3, 4, 5]
    head = await head_of(log.db, t)
    assert head is not None and head[0] == 5


@pytest.fixture(scope="module")
async def runtime(sqlite_database: Database) -> AsyncIterator[Runtime]:
    """Assembled by hand as ``Runtime.load`` does, on the session's SQLite database."""
    settings = load_settings({})
    catalog, model = shipped_catalog(), shipped_model()
    rates = DeployedRates(sqlite_database)
    decisions = DecisionLog(sqlite_database)
    decisions.register("quote", QuoteReplayer(model))
    decisions.register("risk_score", RiskScoreReplayer(model))
    quotes = QuoteService(catalog, rates, model, decisions, code_version="test")
    models = TenantModels(model)
    rt = Runtime(settings=settings, catalog=catalog, model=model, models=models, db=sqlite_database,
                 rates=rates,
                 decisions=decisions, quotes=quotes, risk_scores=RiskScoreService(catalog, model, decisions),
                 rate_versions=RateVersions(decisions, rates, quotes),
                 content=Content.assemble(decisions, catalog, quotes, models),
                 limiter=TenantRateLimiter(settings.rate_limit_per_minute), code_version="test")
    await rt.start(watch=False)  # snapshots, the shipped tables imported as versions, the cache loaded
    yield rt
    await decisions.close()


async def test_fifty_random_quotes_replay_identically(runtime: Runtime) -> None:
    rng = random.Random(7)
    quotes = [random_quote(rng, ("CA", "NY", "TX")) for _ in range(50)]
    results = await runtime.quotes.quote_and_record("partner-a", quotes, explain=True)
    priced = [r for r in results if isinstance(r, Priced)]
    assert len(priced) == 50 and sum(p.response.risk_score is not None for p in priced) > 25
    for p in priced:
        replay = await runtime.decisions.replay("partner-a", p.response.decision_id)
        assert (replay.identical, replay.differences) == (True, []), p.response.decision_id
        assert replay.original_premium == replay.replayed_premium == p.response.premium
        assert replay.versions["rate_table"] == p.response.versions.rate_table


async def test_risk_scores_replay_identically(runtime: Runtime) -> None:
    rng = random.Random(8)
    drivers = [DriverFeatures(f"drv-{i}", random_quote(rng, ("TX",), telematics_share=1).telematics)  # type: ignore[arg-type]
               for i in range(5)]
    response = await runtime.risk_scores.score_and_record("partner-b", RiskScoreRequest(drivers, "TX"), True)
    for score in response.scores:
        replay = await runtime.decisions.replay("partner-b", score.decision_id)
        assert (replay.kind, replay.identical, replay.differences) == ("risk_score", True, [])


async def test_a_changed_spread_in_the_payload_replays_to_a_different_multiplier(runtime: Runtime) -> None:
    (quoted,) = await runtime.quotes.quote_and_record("partner-a", [msgspec.convert(EXAMPLE_QUOTE, Quote)],
                                                      explain=False)
    assert isinstance(quoted, Priced) and quoted.response.target_spread == Decimal("0.30")
    payload = (await runtime.decisions.get("partner-a", quoted.response.decision_id)).payload
    payload["response"]["target_spread"] = "0.55"
    (forged,) = await runtime.decisions.record("partner-a", [NewEntry("quote", payload)])
    replay = await runtime.decisions.replay("partner-a", forged.decision_id)
    assert replay.identical is False
    assert any(line.startswith("multiplier: ") for line in replay.differences), replay.differences
    assert replay.original_premium == quoted.response.premium != replay.replayed_premium

    drivers = [DriverFeatures("d-1", msgspec.convert(EXAMPLE_QUOTE["telematics"], Telematics))]
    (score,) = (await runtime.risk_scores.score_and_record("partner-a", RiskScoreRequest(drivers, "TX"), False)).scores
    recorded = (await runtime.decisions.get("partner-a", score.decision_id)).payload
    recorded["target_spread"] = "0.55"
    (forged_score,) = await runtime.decisions.record("partner-a", [NewEntry("risk_score", recorded)])
    replay = await runtime.decisions.replay("partner-a", forged_score.decision_id)
    assert replay.identical is False
    assert [line.split(":")[0] for line in replay.differences] == ["multiplier"]
