"""Pure batch pricing (``price_batch``, ``score_batch``), quote resolution and the file rate source,
with the shipped tenants, rulesets, rate tables and model."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from saas.audit.decisions import DecisionLog
from saas.db import Database
from saas.errors import QuoteDeclined, RatingError, SaasError
from saas.quote.schemas import Quote
from saas.rating.quoting import QuoteService
from saas.rating.routes import EXAMPLE_QUOTE
from saas.rating.service import Pinned, Priced, price_batch, score_batch
from saas.rating.sources import FileRateSource
from saas.scoring.features import feature_set, model_row
from saas.scoring.masked import view
from saas.settings import ROOT
from tests.samples import random_quote
from tests.unit.shipped import shipped_catalog, shipped_model

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.UTC)
EXAMPLE = msgspec.convert(EXAMPLE_QUOTE, Quote)


@pytest.fixture(scope="module")
def service(sqlite_database: Database) -> QuoteService:
    catalog = shipped_catalog()
    return QuoteService(catalog, FileRateSource(catalog.rate_tables), shipped_model(),
                        DecisionLog(sqlite_database), code_version="test")


def on(quote: Quote, **policy: Any) -> Quote:
    return msgspec.structs.replace(quote, policy=msgspec.structs.replace(quote.policy, **policy))


def price(service: QuoteService, tenant_id: str, quotes: list[Quote], **kwargs: Any) -> list[Priced | SaasError]:
    tenant = service.config.tenant(tenant_id)
    pinned = [service.resolve(tenant, q) for q in quotes]
    kwargs.setdefault("explain", False)
    return price_batch(tenant, quotes, pinned, service.model, code_version="test", now=NOW, **kwargs)


def priced(result: Priced | SaasError) -> Priced:
    assert isinstance(result, Priced), result
    return result


def test_price_batch_is_deterministic_but_for_the_decision_id(service: QuoteService) -> None:
    rng = random.Random(11)
    quotes = [random_quote(rng, ("CA", "NY", "TX")) for _ in range(20)]
    first, second = price(service, "partner-a", quotes, explain=True), price(service, "partner-a", quotes, explain=True)
    for a, b in zip(first, second, strict=True):
        ra, rb = priced(a).response, priced(b).response
        assert ra.decision_id != rb.decision_id
        assert ra == msgspec.structs.replace(rb, decision_id=ra.decision_id)
        assert ra.created_at == "2026-05-01T12:30:00.000000Z"
    assert len({priced(r).response.premium for r in first}) > 10


def test_the_spread_passed_overrides_the_tenants_and_is_pinned(service: QuoteService) -> None:
    tenant_spread = service.config.tenant("partner-a").config.pricing.target_spread
    assert tenant_spread == Decimal("0.30")
    bare = msgspec.structs.replace(EXAMPLE, telematics=None)
    default, no_telematics = (priced(r).response for r in price(service, "partner-a", [EXAMPLE, bare]))
    wide, wide_bare = (priced(r).response for r in price(service, "partner-a", [EXAMPLE, bare],
                                                           spread=Decimal("0.55")))
    assert (default.target_spread, wide.target_spread) == (tenant_spread, Decimal("0.55"))
    assert default.risk_score == wide.risk_score and default.tier == wide.tier
    assert default.multiplier is not None and wide.multiplier is not None
    assert wide.multiplier != default.multiplier
    # below the baseline risk, a wider spread gives a bigger discount: 1 - (1 - m) * 0.55 / 0.30
    assert wide.multiplier < default.multiplier < 1
    assert abs((1 - wide.multiplier) - (1 - default.multiplier) * Decimal("0.55") / Decimal("0.30")) < Decimal("1e-5")
    assert wide.premium != default.premium
    assert no_telematics.target_spread is None and no_telematics.multiplier is None
    assert wide_bare.premium == no_telematics.premium and wide_bare.target_spread is None


def test_an_item_whose_inputs_failed_keeps_its_error_at_its_index(service: QuoteService) -> None:
    tenant = service.config.tenant("partner-a")
    pin = service.resolve(tenant, EXAMPLE)
    assert isinstance(pin, Pinned)
    failed = RatingError("no table", path="$.policy.state")
    results = price_batch(tenant, [EXAMPLE, EXAMPLE, EXAMPLE], [pin, failed, pin], service.model,
                          explain=False, code_version="test", now=NOW)
    assert results[1] is failed
    assert priced(results[0]).response.premium == priced(results[2]).response.premium
    assert priced(results[0]).response.multiplier is not None


def test_a_declined_quote_is_returned_in_place(service: QuoteService) -> None:
    young = msgspec.structs.replace(EXAMPLE.drivers[0], age=20, years_licensed=10)
    declined = msgspec.structs.replace(EXAMPLE, drivers=[young])
    ny = on(EXAMPLE, state="NY", zip_code="10001")
    first, middle, last = price(service, "partner-a", [EXAMPLE, declined, ny])
    assert isinstance(middle, QuoteDeclined)
    assert (middle.rule_id, middle.type) == ("licensed-before-age-14", "quote-declined")
    assert priced(first).quote is EXAMPLE and priced(last).quote is ny
    assert priced(first).response.premium != priced(last).response.premium


def test_explanations_only_when_asked(service: QuoteService) -> None:
    (plain,) = price(service, "partner-a", [EXAMPLE], explain=False)
    (explained,) = price(service, "partner-a", [EXAMPLE], explain=True)
    a, b = priced(plain).response, priced(explained).response
    assert a.top_adverse_factors is None and a.top_positive_factors is None
    assert b.top_adverse_factors and b.top_adverse_factors[0].feature == "hard_braking_events_per_100mi"
    assert all(f.contribution > 0 for f in b.top_adverse_factors)
    assert a.premium == b.premium and a.multiplier == b.multiplier


def test_score_batch_calls_the_model_once_for_the_quotes_with_telematics(service: QuoteService) -> None:
    tenant = service.config.tenant("partner-a")
    bare = msgspec.structs.replace(EXAMPLE, telematics=None)
    ny = on(EXAMPLE, state="NY", zip_code="10001")
    quotes = [EXAMPLE, bare, ny, EXAMPLE, on(EXAMPLE, state="FL")]
    pinned = [service.resolve(tenant, q) for q in quotes]
    assert isinstance(pinned[4], RatingError)
    scored = score_batch(tenant, quotes, pinned, service.model, explain=True)
    assert len(scored.groups) == 1  # TX and NY allow the same inputs for partner-a: one model call
    assert scored.rows == {0: (0, 0), 2: (0, 1), 3: (0, 2)}
    assert scored.get(1) is None and scored.get(4) is None
    features = feature_set(tenant.config, "TX")
    assert EXAMPLE.telematics is not None
    scoring = view(service.model, features.mask(service.model))
    expected = scoring.score(scoring.prepare([model_row(EXAMPLE.telematics, features.groups, service.model)]))
    group, row = scored.get(3)  # type: ignore[misc]
    mapping, explanation = group.mappings[row], group.explanation(row)
    assert (group, row) == (scored.groups[0], 2)
    assert scored.groups[0].risks[2] == expected[0] and explanation is not None
    assert scored.spread == Decimal("0.30") and mapping.risk == pytest.approx(expected[0], abs=1e-6)


def test_resolve_refuses_a_state_the_tenant_does_not_serve(service: QuoteService) -> None:
    result = service.resolve(service.config.tenant("partner-a"), on(EXAMPLE, state="FL"))
    assert isinstance(result, RatingError)
    assert result.path == "$.policy.state" and "FL" in result.detail and "CA, NY, TX" in result.detail


@pytest.mark.parametrize(("effective", "source"), [
    (dt.date(2026, 1, 1), "CA-auto.yaml"), (dt.date(2026, 12, 31), "CA-auto.yaml"),
    (dt.date(2027, 1, 1), "CA-auto-2027.yaml"), (dt.date(2028, 6, 1), "CA-auto-2027.yaml")])
def test_resolve_picks_the_table_in_effect_on_the_policy_date(service: QuoteService, effective: dt.date,
                                                              source: str) -> None:
    quote = on(EXAMPLE, state="CA", zip_code="90001", effective_date=effective)
    pin = service.resolve(service.config.tenant("partner-a"), quote)
    assert isinstance(pin, Pinned)
    assert pin.table.source.endswith(f"partner-a/rates/{source}") and pin.table.state == "CA"
    assert pin.ruleset is service.config.ruleset(service.config.tenant("partner-a"), "CA")


def test_resolve_before_the_first_table_is_a_rating_error(service: QuoteService) -> None:
    quote = on(EXAMPLE, state="CA", zip_code="90001", effective_date=dt.date(2025, 12, 31))
    result = service.resolve(service.config.tenant("partner-a"), quote)
    assert isinstance(result, RatingError) and "the first starts 2026-01-01" in result.detail


def test_file_rate_source_yields_every_loaded_table() -> None:
    catalog = shipped_catalog()
    tables = list(FileRateSource(catalog.rate_tables).tables())
    files = sorted((ROOT / "tenants").glob("*/rates/*.yaml"))
    assert len(tables) == len(files) == 13
    assert sorted(t.source for t in tables) == sorted(str(f) for f in files)
    assert len({t.content_hash for t in tables}) == 13
