"""The score → map → explain pipeline and the partner risk-score service, with the shipped tenants and
model; recording on SQLite."""

from __future__ import annotations

import random
from decimal import Decimal

import msgspec
import numpy as np
import pytest

from saas.audit.decisions import DecisionLog
from saas.db import Database
from saas.errors import RatingError
from saas.quote.schemas import Telematics
from saas.scoring.explain import explain_rows
from saas.scoring.features import model_row
from saas.scoring.mapping import map_scores
from saas.scoring.masked import view
from saas.scoring.model import RiskModel
from saas.scoring.pipeline import score_rows
from saas.scoring.schemas import DriverFeatures, RiskScoreRequest
from saas.scoring.service import RiskScorePayload, RiskScoreService, features_of, score_drivers
from saas.tenancy.service import LoadedTenant
from tests.samples import random_telematics
from tests.unit.shipped import shipped_catalog

pytestmark = pytest.mark.unit

ALL_GROUPS = ("behavioral", "contextual", "mileage", "phone_usage")


def tenant(tenant_id: str) -> LoadedTenant:
    return shipped_catalog().tenant(tenant_id)


def telematics(count: int, seed: int = 5) -> list[Telematics]:
    rng = random.Random(seed)
    return [random_telematics(rng) for _ in range(count)]


def drivers(items: list[Telematics]) -> list[DriverFeatures]:
    return [DriverFeatures(f"driver-{i}", t) for i, t in enumerate(items)]


def test_score_rows_is_model_score_then_map_scores(model: RiskModel) -> None:
    pricing = tenant("partner-b").config.pricing
    rows = [model_row(t, ALL_GROUPS, model) for t in telematics(40)]
    scored = score_rows(model, pricing, rows, explain=True)
    X = model.prepare(rows)
    risks = model.score(X)
    np.testing.assert_array_equal(scored.X, X)
    np.testing.assert_array_equal(scored.risks, risks)
    assert scored.mappings == map_scores(risks, pricing, model)
    ours = view(model).contributions(X)  # our exact TreeSHAP: xgboost's pred_contribs within float32 rounding
    np.testing.assert_allclose(ours, model.contributions(X), atol=1e-6)
    assert scored.explanations() == explain_rows(model, X, risks, ours)
    assert [scored.explanation(i) for i in (0, 39)] == [scored.explanations()[0], scored.explanations()[39]]
    assert scored.spread == pricing.target_spread == Decimal("0.45") and len(scored) == 40


def test_without_explain_there_are_no_contributions(model: RiskModel) -> None:
    rows = [model_row(t, ALL_GROUPS, model) for t in telematics(3)]
    scored = score_rows(model, tenant("partner-b").config.pricing, rows, explain=False)
    assert scored.contributions is None and scored.explanations() == [None, None, None]
    empty = score_rows(model, tenant("partner-b").config.pricing, [], explain=True)
    assert (len(empty), empty.explanations(), empty.spread) == (0, [], Decimal("0.45"))


def test_a_spread_override_changes_only_the_multipliers(model: RiskModel) -> None:
    pricing = tenant("partner-a").config.pricing
    rows = [model_row(t, ALL_GROUPS, model) for t in telematics(60)]
    base = score_rows(model, pricing, rows, explain=True)
    wide = score_rows(model, pricing, rows, explain=True, spread_override=Decimal("0.50"))
    assert wide.spread == Decimal("0.50")
    np.testing.assert_array_equal(base.risks, wide.risks)
    assert base.explanations() == wide.explanations()
    changed = 0
    for a, b in zip(base.mappings, wide.mappings, strict=True):
        assert msgspec.structs.replace(a, multiplier=b.multiplier) == b
        changed += a.multiplier != b.multiplier
    assert changed > 40  # the rest sit at the tenant's caps under both spreads


def test_explanations_add_up_to_the_risk(model: RiskModel) -> None:
    assert model.objective == "reg:squarederror"  # the margin is the risk itself
    rows = [model_row(t, ALL_GROUPS, model) for t in telematics(30)]
    scored = score_rows(model, tenant("fleet-co").config.pricing, rows, explain=True)
    for risk, explanation in zip(scored.risks, scored.explanations(), strict=True):
        assert explanation is not None and explanation.risk == risk
        total = explanation.bias + sum(c.contribution for c in explanation.contributions)
        assert total == pytest.approx(risk, abs=1e-5)


def test_a_state_the_tenant_does_not_serve_is_a_rating_error_at_state(model: RiskModel) -> None:
    with pytest.raises(RatingError) as caught:
        score_drivers(model, tenant("partner-a"), drivers(telematics(1)), "FL", explain=False, spread_override=None)
    assert caught.value.path == "$.state" and "FL" in caught.value.detail


def risk_of(model: RiskModel, tenant_id: str, state: str | None, t: Telematics) -> float:
    (score,), _ = score_drivers(model, tenant(tenant_id), drivers([t]), state, explain=True, spread_override=None)
    return score.risk_score


@pytest.mark.parametrize(("tenant_id", "state", "field", "used"), [
    ("partner-a", "CA", "hard_braking_events_per_100mi", False),  # CA: verified mileage only
    ("partner-a", "CA", "miles", True),
    ("partner-a", "TX", "hard_braking_events_per_100mi", True),
    ("partner-a", "TX", "miles", False),  # partner-a has no mileage group
    ("partner-a", None, "miles", False),
    ("partner-b", "CA", "speeding_minutes_per_100mi", False),
    ("partner-b", "TX", "miles", True),
])
def test_a_disallowed_feature_is_marginalised_out(model: RiskModel, tenant_id: str, state: str | None, field: str,
                                                  used: bool) -> None:
    low = msgspec.structs.replace(telematics(1, seed=9)[0], **{field: 0.0})
    high = msgspec.structs.replace(low, **{field: 3000.0 if field == "miles" else 40.0})
    assert (risk_of(model, tenant_id, state, low) != risk_of(model, tenant_id, state, high)) is used
    features = features_of(tenant(tenant_id), state)
    assert (model_row(high, features.groups, model)[field] is None) is not used
    assert (field in features.excluded) is not used


def test_score_drivers_keeps_given_decision_ids_and_reports_the_spread(model: RiskModel) -> None:
    items = drivers(telematics(3))
    scores, spread = score_drivers(model, tenant("partner-b"), items, "TX", explain=False,
                                   spread_override=Decimal("0.2"), decision_ids=["a", "b", "c"])
    assert spread == Decimal("0.2")
    assert [(s.decision_id, s.driver_id) for s in scores] == [("a", "driver-0"), ("b", "driver-1"), ("c", "driver-2")]
    assert all(s.contributions is None and s.top_adverse_factors is None for s in scores)


@pytest.mark.parametrize("override", [None, Decimal("0.60")])
async def test_score_and_record_writes_one_risk_score_entry_per_driver(
    sqlite_database: Database, model: RiskModel, override: Decimal | None,
) -> None:
    log = DecisionLog(sqlite_database)
    service = RiskScoreService(shipped_catalog(), model, log, spread_override=override)
    tenant_id = "partner-b"
    request = RiskScoreRequest(drivers(telematics(4, seed=21)), "TX")
    try:
        response = await service.score_and_record(tenant_id, request, explain=True)
        entries = [await log.get(tenant_id, s.decision_id) for s in response.scores]
    finally:
        await log.close()
    assert len({s.decision_id for s in response.scores}) == 4
    assert [e.kind for e in entries] == ["risk_score"] * 4
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 4))
    expected, _ = score_drivers(model, tenant(tenant_id), request.drivers, "TX", explain=True,
                                spread_override=override, decision_ids=[s.decision_id for s in response.scores])
    assert response.scores == expected
    for entry, driver, score in zip(entries, request.drivers, response.scores, strict=True):
        payload = msgspec.convert(entry.payload, RiskScorePayload, strict=False)
        assert payload.target_spread == (override or Decimal("0.45"))
        assert (payload.request, payload.state, payload.score) == (driver, "TX", score)
        assert (payload.model_version, payload.tenant_config) == (model.version, tenant(tenant_id).content_hash)
        assert payload.explain is True
