"""Building a notice from the decision it explains (pure: no database, no clock of its own).

Compliance reads what the decision recorded (the quote, its factors, the telematics multiplier and
the model's exact contributions) and computes the notice from it, so rating never has to know
what a notice is: it only hands its decisions to whatever the assembly gave it.
"""

from __future__ import annotations

from decimal import Decimal

from saas.compliance.effects import above_base, premium_of, principal_reasons, telematics_effects
from saas.compliance.schemas import DataSource, Notice, Reason, Reconciliation, notice_id
from saas.compliance.wording import RIGHTS, decline_sentence
from saas.money import ONE
from saas.quote.schemas import Quote
from saas.rating.responses import QuoteResponse
from saas.scoring.coaching import coaching_tips
from saas.scoring.explain import Explanation
from saas.scoring.protocol import ScoringModel
from saas.tenancy.service import LoadedTenant


def telematics_multiplier(response: QuoteResponse) -> Decimal | None:
    """The multiplier the premium really used (after caps and state limits), None without telematics."""
    return next((f.value for f in response.factors if f.name == "telematics"), None)


def is_adverse(response: QuoteResponse) -> bool:
    """Safeco v. Burr: adverse against the neutral rate, i.e. telematics raised the price."""
    used = telematics_multiplier(response)
    return used is not None and used > ONE


def program(tenant: LoadedTenant, quote: Quote | None, *, period: str | None = None,
            trips: int | None = None) -> DataSource:
    months = quote.telematics.months_observed if quote is not None and quote.telematics is not None else None
    return DataSource(program=f"{tenant.config.name} telematics program", provider=tenant.config.name,
                      period=period, trips=trips, months_observed=months)


def surcharge_notice(tenant: LoadedTenant, quote: Quote, response: QuoteResponse, explanation: Explanation,
                     model: ScoringModel) -> Notice:
    """The notice of a quote priced above its neutral benchmark by the telematics multiplier."""
    pricing = tenant.config.pricing
    benchmark = premium_of(response.base_premium, response.factors, pricing, without=frozenset({"telematics"}))
    difference = response.premium - benchmark
    driving = telematics_effects(difference, explanation.contributions, explanation.bias, model.baseline,
                                 model.objective)
    lift, rating = above_base(response.base_premium, response.factors)
    effects = driving + rating
    return Notice(
        notice_id=notice_id(response.decision_id), decision_id=response.decision_id, tenant_id=tenant.config.id,
        kind="telematics_surcharge", created_at=response.created_at,
        action=f"Your premium of ${response.premium:,.2f} is ${difference:,.2f} more than the ${benchmark:,.2f} "
               f"you would pay without the telematics program's information about your driving.",
        reasons=principal_reasons(effects), effects=effects, data_source=program(tenant, quote),
        versions=_versions(response), what_you_can_do=[t.text for t in coaching_tips(explanation.contributions)],
        rights=RIGHTS, premium=response.premium, benchmark=benchmark,
        reconciliation=Reconciliation(difference=difference, telematics_total=sum((e.amount for e in driving),
                                                                                  Decimal(0)),
                                      above_base=lift, rating_total=sum((e.amount for e in rating), Decimal(0))))


def decline_notice(tenant: LoadedTenant, quote: Quote, decision_id: str, created_at: str, *, reason: str,
                   rule_id: str, cite: str | None, versions: dict[str, str | None]) -> Notice:
    """A refused quote: the one principal reason is the rule that refused it, with its citation."""
    sentence = decline_sentence(reason, cite)
    return Notice(
        notice_id=notice_id(decision_id), decision_id=decision_id, tenant_id=tenant.config.id,
        kind="quote_declined", created_at=created_at, action="We declined to offer the policy you asked us to quote.",
        reasons=[Reason(1, rule_id, "rule", None, sentence, cite)], effects=[], data_source=program(tenant, quote),
        versions=versions, what_you_can_do=[f"Re-quote once the reason above no longer applies: {reason}"],
        rights=RIGHTS, rule_id=rule_id, cite=cite)


def _versions(response: QuoteResponse) -> dict[str, str | None]:
    v = response.versions
    return {"rate_table": v.rate_table, "ruleset": v.ruleset, "tenant_config": v.tenant_config, "model": v.model,
            "code": v.code}
