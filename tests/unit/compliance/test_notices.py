"""Notices computed from priced quotes (shipped tenants, rulesets, rate tables and model): a
surcharge's effects add up to the difference from the neutral benchmark, the reasons are the
largest of them, a discount gets no notice, and a decline gets one naming its rule."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from saas.compliance.notices import is_adverse
from saas.compliance.recorder import Notices
from saas.compliance.schemas import Notice
from saas.errors import QuoteDeclined
from saas.quote.examples import EXAMPLE_QUOTE
from saas.quote.schemas import Quote
from saas.rating.engine import rate
from saas.rating.service import Pinned, Priced, price_batch
from saas.rating.sources import FileRateSource
from saas.tenancy.service import LoadedTenant
from tests.samples import random_quote
from tests.unit.shipped import shipped_catalog, shipped_model

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
RISKY = {"hard_braking_events_per_100mi": 9.0, "aggressive_turning_events_per_100mi": 6.0,
         "tailgating_time_ratio": 0.35, "speeding_minutes_per_100mi": 25.0, "late_night_miles_per_100mi": 14.0,
         "miles": 1800, "prior_claim_count": 1}
SAFE = {"hard_braking_events_per_100mi": 0.2, "aggressive_turning_events_per_100mi": 0.1,
        "tailgating_time_ratio": 0.0, "speeding_minutes_per_100mi": 0.0, "late_night_miles_per_100mi": 0.0,
        "miles": 300, "prior_claim_count": 0}


def quote(telematics: dict[str, Any] | None = None, **changes: Any) -> Quote:
    body = EXAMPLE_QUOTE | changes
    if telematics is not None:
        body = body | {"telematics": telematics}
    return msgspec.convert(body, Quote)


def price(tenant_id: str, quotes: list[Quote]) -> list[Priced | Exception]:
    catalog = shipped_catalog()
    tenant = catalog.tenant(tenant_id)
    rates = FileRateSource(catalog.rate_tables)
    pinned = []
    for q in quotes:
        p = q.policy
        pinned.append(Pinned(catalog.ruleset(tenant, p.state),
                             rates.table_in_effect(tenant_id, p.state, p.product, p.effective_date, p.transaction)))
    return price_batch(tenant, quotes, pinned, shipped_model(), explain=False, code_version="test", now=NOW,
                       explain_if=Notices().wants_explanation)


def notice_of(tenant_id: str, q: Quote) -> tuple[Priced, Notice | None]:
    (result,) = price(tenant_id, [q])
    assert isinstance(result, Priced), result
    entry = Notices().for_quote(shipped_catalog().tenant(tenant_id), result, shipped_model())
    return result, None if entry is None else entry.payload


def without_telematics(tenant: LoadedTenant, q: Quote) -> Decimal:
    """The neutral benchmark priced by the engine itself, not by the notice's own arithmetic."""
    catalog = shipped_catalog()
    p = q.policy
    ruleset = catalog.ruleset(tenant, p.state)
    table = FileRateSource(catalog.rate_tables).table_in_effect(tenant.config.id, p.state, p.product,
                                                                p.effective_date, p.transaction)
    result = rate(q, tenant=tenant.config, table=table, rules=ruleset.evaluate(q, trace=False),
                  forbidden_factors=ruleset.forbidden_factors, telematics=None)
    return result.premium


def test_a_surcharge_gets_one_notice_whose_effects_add_up_to_the_difference() -> None:
    q = quote(RISKY)
    result, notice = notice_of("partner-a", q)
    assert is_adverse(result.response) and notice is not None
    benchmark = without_telematics(shipped_catalog().tenant("partner-a"), q)
    assert notice.benchmark == benchmark and notice.premium == result.response.premium
    difference = result.response.premium - benchmark
    assert difference > 0
    driving = [e for e in notice.effects if e.source in ("telematics", "model_baseline")]
    assert abs(sum(e.amount for e in driving) - difference) <= Decimal("0.01")
    assert sum(e.amount for e in driving) == difference  # the cents are handed out exactly
    assert 1 <= len(notice.reasons) <= 4
    shown = [r.amount for r in notice.reasons]
    assert shown == sorted(shown, reverse=True)
    others = sorted((e.amount for e in notice.effects), reverse=True)
    assert shown == others[:len(shown)]
    for reason in notice.reasons:
        assert "_" not in reason.sentence and reason.sentence.endswith(".")


def test_the_night_driving_reason_speaks_plainly() -> None:
    _, notice = notice_of("partner-a", quote(RISKY))
    assert notice is not None
    night = [e for e in notice.effects if e.key == "late_night_miles_per_100mi"]
    assert night and night[0].sentence == ("You drove 14 of every 100 miles between midnight and 4 am; drivers with "
                                           "fewer night miles pay less.")


def test_a_discount_gets_no_notice() -> None:
    result, notice = notice_of("partner-a", quote(SAFE))
    assert result.response.multiplier is not None and result.response.multiplier < 1
    assert notice is None


def test_rating_factors_above_base_add_up_too() -> None:
    q = quote(RISKY, drivers=[{"age": 19, "years_licensed": 2, "violations": 2, "at_fault_accidents": 1,
                               "primary": True}])
    _, notice = notice_of("partner-a", q)
    assert notice is not None and notice.reconciliation is not None
    rating = [e for e in notice.effects if e.source in ("rating_factor", "rule")]
    assert rating and sum(e.amount for e in rating) == notice.reconciliation.above_base
    assert {e.key for e in rating} >= {"violations", "accidents"}


def test_random_surcharges_always_reconcile() -> None:
    rng = random.Random(19)
    quotes = [random_quote(rng, ("CA", "NY", "TX")) for _ in range(60)]
    catalog, seen = shipped_catalog(), 0
    for q, result in zip(quotes, price("partner-a", quotes), strict=True):
        if not isinstance(result, Priced):
            continue
        entry = Notices().for_quote(catalog.tenant("partner-a"), result, shipped_model())
        assert (entry is not None) == is_adverse(result.response)
        if entry is None:
            continue
        seen += 1
        notice = entry.payload
        assert notice.reconciliation.difference == result.response.premium - without_telematics(
            catalog.tenant("partner-a"), q)
        assert notice.reconciliation.telematics_total == notice.reconciliation.difference
    assert seen >= 5


def test_a_decline_gets_a_notice_naming_its_rule() -> None:
    q = quote(RISKY, coverages={"pip": False}, policy={**EXAMPLE_QUOTE["policy"], "state": "FL", "zip_code": "33101"})
    (result,) = price("partner-b", [q]) if "FL" in shipped_catalog().tenant("partner-b").config.states else \
        pytest.fail("no shipped tenant writes FL")
    assert isinstance(result, QuoteDeclined)
    result.decision_id = "d-1"
    entry = Notices().for_decline(shipped_catalog().tenant("partner-b"), q, result, {"ruleset": "x"}, NOW)
    assert entry is not None
    notice = entry.payload
    assert notice.kind == "quote_declined" and notice.rule_id == "fl-pip-required"
    assert [r.key for r in notice.reasons] == ["fl-pip-required"] and notice.reasons[0].cite == result.cite


def test_text_and_html_say_the_same_and_html_escapes() -> None:
    from saas.compliance.render import as_html, as_text

    q = quote(RISKY)
    declined = QuoteDeclined("Refused <script>alert(1)</script> & more", rule_id="r-1", cite="§ 1 <b>")
    declined.decision_id = "d-2"
    notice = Notices().for_decline(shipped_catalog().tenant("partner-a"), q, declined, {}, NOW).payload
    text, html = as_text(notice), as_html(notice)
    assert "1. We cannot offer this policy as requested: refused <script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; more" in html
    for heading in ("What we decided", "The principal reasons", "Your rights"):
        assert heading.upper() in text and f"<h2>{heading}</h2>" in html


def test_only_adverse_quotes_compute_contributions_and_equal_an_explained_pricing() -> None:
    """Unexplained pricing asks the notices which quotes need contributions: the adverse ones get
    them (one row each), the others none; each equals what a batch priced with explanations gives."""
    rng = random.Random(23)
    quotes = [random_quote(rng, ("CA", "NY", "TX")) for _ in range(40)]
    lazy = price("partner-a", quotes)
    catalog = shipped_catalog()
    tenant, rates = catalog.tenant("partner-a"), FileRateSource(catalog.rate_tables)
    pinned = [Pinned(catalog.ruleset(tenant, q.policy.state),
                     rates.table_in_effect("partner-a", q.policy.state, q.policy.product, q.policy.effective_date,
                                           q.policy.transaction)) for q in quotes]
    explained = price_batch(tenant, quotes, pinned, shipped_model(), explain=True, code_version="test", now=NOW)
    adverse = 0
    for cheap, full in zip(lazy, explained, strict=True):
        if not isinstance(cheap, Priced) or cheap.response.multiplier is None:
            continue
        assert isinstance(full, Priced) and full.explanation is not None
        assert cheap.response.top_adverse_factors is None  # not shown: explain=False
        if is_adverse(cheap.response):
            adverse += 1
            assert cheap.explanation is not None
            mine = {c.feature: c.contribution for c in cheap.explanation.contributions}
            theirs = {c.feature: c.contribution for c in full.explanation.contributions}
            assert mine.keys() == theirs.keys()
            assert all(mine[k] == pytest.approx(theirs[k], rel=1e-9, abs=1e-12) for k in mine)
        else:
            assert cheap.explanation is None
    assert adverse >= 3
