"""A feature the tenant may not use never moves the score, the premium or any contribution.

partner-a has no mileage group, so ``miles`` is marginalised out of the model for its quotes; in
California only verified mileage may be used, so there the behavioural inputs are the ones out.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saas.audit.decisions import DecisionLog
from saas.db import Database
from saas.quote.schemas import Quote
from saas.rating.quoting import QuoteService
from saas.rating.routes import EXAMPLE_QUOTE
from saas.rating.service import Priced
from saas.rating.sources import FileRateSource
from saas.scoring.features import feature_set, model_row
from saas.scoring.masked import view
from saas.scoring.pipeline import score_rows
from tests.unit.shipped import shipped_catalog, shipped_model

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
BASE = msgspec.convert(EXAMPLE_QUOTE, Quote, strict=False)
CA = msgspec.structs.replace(BASE, policy=msgspec.structs.replace(BASE.policy, state="CA", zip_code="94103"))


@pytest.fixture(scope="module")
def quotes_service() -> QuoteService:
    catalog = shipped_catalog()
    return QuoteService(catalog, FileRateSource(catalog.rate_tables), shipped_model(),
                        DecisionLog(Database("sqlite+aiosqlite://")), code_version="test")


def priced(service: QuoteService, quote: Quote, **telematics: float) -> Priced:
    assert quote.telematics is not None
    changed = msgspec.structs.replace(quote, telematics=msgspec.structs.replace(quote.telematics, **telematics))
    (result,) = service.price("partner-a", [changed], explain=True, now=NOW)
    assert isinstance(result, Priced), result
    return result


def fingerprint(result: Priced) -> tuple[object, ...]:
    r = result.response
    factors = (r.top_adverse_factors or []) + (r.top_positive_factors or [])
    contributions = [(f.feature, f.contribution) for f in factors]
    return r.premium, r.risk_score, r.tier, r.multiplier, r.percentile, contributions


@settings(max_examples=40, deadline=None)
@given(miles=st.floats(min_value=0, max_value=200_000, allow_nan=False))
def test_miles_never_move_a_partner_a_texas_quote(quotes_service: QuoteService, miles: float) -> None:
    assert fingerprint(priced(quotes_service, BASE, miles=miles)) == fingerprint(priced(quotes_service, BASE))


@settings(max_examples=25, deadline=None)
@given(braking=st.floats(min_value=0, max_value=10_000, allow_nan=False),
       speeding=st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_behaviour_never_moves_a_california_quote(quotes_service: QuoteService, braking: float,
                                                  speeding: float) -> None:
    moved = priced(quotes_service, CA, hard_braking_events_per_100mi=braking, speeding_minutes_per_100mi=speeding)
    assert fingerprint(moved) == fingerprint(priced(quotes_service, CA))


def test_the_explanation_says_why_an_input_was_not_used(quotes_service: QuoteService) -> None:
    tenant = shipped_catalog().tenant("partner-a")
    assert feature_set(tenant.config, "TX").excluded["miles"] == "not used under partner-a's features"
    assert feature_set(tenant.config, "CA").excluded["hard_braking_events_per_100mi"] == "not used under CA rules"
    model = shipped_model()
    scoring = view(model, feature_set(tenant.config, "TX").mask(model))
    X = scoring.prepare([{name: 1.0 for name in model.feature_names}])
    contributions = scoring.contributions(X)
    assert contributions[0, model.feature_names.index("miles")] == 0.0
    assert np.isclose(contributions[0].sum(), np.log(scoring.score(X)[0]) if model.objective == "count:poisson"
                      else scoring.score(X)[0])
    features = feature_set(tenant.config, "TX")
    assert BASE.telematics is not None
    scored = score_rows(model, tenant.config.pricing, [model_row(BASE.telematics, features.groups, model)],
                        explain=True, features=features)
    explanation = scored.explanation(0)
    assert explanation is not None
    miles = next(c for c in explanation.contributions if c.feature == "miles")
    assert (miles.contribution, miles.value) == (0.0, None)
    assert miles.sentence == "Mileage is not used under partner-a's features, so it does not affect the risk score."
    assert not any("not reported" in c.sentence for c in explanation.contributions)


def test_a_masked_view_places_scores_in_its_own_distribution() -> None:
    """Percentiles (tiers, "top X % safest") of a view come from scores marginalised the same way."""
    model = shipped_model()
    tenant = shipped_catalog().tenant("partner-a")
    masked, full = view(model, feature_set(tenant.config, "CA").mask(model)), view(model)
    assert (full.p5, full.p95) == (model.p5, model.p95)
    assert (masked.p5, masked.p95) != (model.p5, model.p95) and masked.p5 < masked.p95
    assert masked.percentile(masked.p95) == pytest.approx(95, abs=0.5)
