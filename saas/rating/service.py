"""Pricing quotes end to end: rules, rate table, shared model, tenant mapping, engine.

One function prices a batch for one tenant: the model is called once for every quote with
telematics in the batch (score and, if asked, explanations), so a single quote and 10,000 bulk
quotes run the same code. It is pure and synchronous; recording the decisions is the caller's job
(``saas.rating.decisions``), so replay can re-run exactly this code against pinned inputs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from saas.clock import utc_timestamp
from saas.errors import QuoteDeclined, SaasError
from saas.quote.schemas import Quote
from saas.rating.engine import TelematicsInput, rate
from saas.rating.lookups import RateTable
from saas.rating.responses import AppliedRule, QuoteResponse, ShadowScore, Versions
from saas.rating.schemas import RatingResult
from saas.rules.ruleset import CompiledRuleset
from saas.rules.schemas import Evaluation
from saas.rules.versions import version_of
from saas.scoring.explain import Explanation
from saas.scoring.features import FeatureSet, feature_set, model_row
from saas.scoring.mapping import ScoreMapping, effective_spread
from saas.scoring.model import RiskModel
from saas.scoring.pipeline import ScoredRows, score_rows
from saas.tenancy.service import LoadedTenant


@dataclass(frozen=True)
class Pinned:
    """The inputs of one quote besides the quote itself: what replay must reproduce."""

    ruleset: CompiledRuleset
    table: RateTable


@dataclass(frozen=True)
class Priced:
    quote: Quote
    response: QuoteResponse
    evaluation: Evaluation
    shadow: ShadowScore | None = None
    """What the tenant's shadow model would have given: recorded, never priced with."""
    explanation: Explanation | None = None
    """Every input's exact contribution, when computed (an adverse-action notice splits the price with it)."""


ExplainIf = Callable[[QuoteResponse], bool]
"""Whether a priced quote needs its explanation even unshown: asked of each one after pricing, so
only the few it applies to (adverse quotes, for their notices) pay for a contributions call."""


@dataclass(frozen=True)
class Scored:
    """The model's view of a batch (``saas.scoring.pipeline``), one scored group per feature set
    (the states of a batch may allow different inputs), indexed by quote position."""

    rows: dict[int, tuple[int, int]]
    groups: list[ScoredRows]
    spread: Decimal

    def get(self, i: int) -> tuple[ScoredRows, int] | None:
        """The scored group holding quote ``i`` and its row there; None for a quote without telematics."""
        found = self.rows.get(i)
        return None if found is None else (self.groups[found[0]], found[1])


def score_batch(
    tenant: LoadedTenant, quotes: Sequence[Quote], pinned: Sequence[Pinned | SaasError], model: RiskModel,
    *, explain: bool, spread: Decimal | None = None,
) -> Scored:
    """One vectorised model call (and one contributions call) for every quote with telematics.

    ``spread`` is the override to map with: a replayed decision's pinned spread, or the operator's
    setting; without one the tenant's is used. Either way the spread used is returned for pinning."""
    by_features: dict[tuple[object, ...], tuple[FeatureSet, list[int]]] = {}
    for i, (q, p) in enumerate(zip(quotes, pinned, strict=True)):
        if q.telematics is not None and not isinstance(p, SaasError):
            features = feature_set(tenant.config, q.policy.state)
            key = (features.groups, tuple(sorted(features.excluded.items())))
            by_features.setdefault(key, (features, []))[1].append(i)
    rows: dict[int, tuple[int, int]] = {}
    groups: list[ScoredRows] = []
    for features, index in by_features.values():
        inputs = [model_row(quotes[i].telematics, features.groups, model) for i in index]  # type: ignore[arg-type]
        groups.append(score_rows(model, tenant.config.pricing, inputs, explain=explain, spread_override=spread,
                                 features=features))
        rows.update((i, (len(groups) - 1, row)) for row, i in enumerate(index))
    return Scored(rows, groups, effective_spread(tenant.config.pricing, spread))


def price_slice(
    tenant: LoadedTenant, quotes: Sequence[Quote], pinned: Sequence[Pinned | SaasError], model: RiskModel,
    scored: Scored, span: range, *, code_version: str, created: str, show: bool = True,
    explain_if: ExplainIf | None = None,
) -> list[Priced | SaasError]:
    """Price ``quotes[span]`` with a batch's scores; an item whose inputs failed keeps its error.
    ``show=False`` keeps explanations out of the response; those computed (``explain_if``) stay on
    ``Priced``."""
    out: list[Priced | SaasError] = []
    for i in span:
        pin = pinned[i]
        if isinstance(pin, SaasError):
            out.append(pin)
            continue
        try:
            out.append(_price_one(tenant, quotes[i], pin, model, scored.get(i), created, code_version,
                                  scored.spread, show, explain_if))
        except SaasError as exc:
            out.append(exc)
    return out


def price_batch(
    tenant: LoadedTenant, quotes: Sequence[Quote], pinned: Sequence[Pinned | SaasError], model: RiskModel,
    *, explain: bool, code_version: str, now: dt.datetime | None = None, spread: Decimal | None = None,
    explain_if: ExplainIf | None = None,
) -> list[Priced | SaasError]:
    """Score and price a whole (small) batch: single quotes and replays. Without ``explain`` the
    contributions are computed only for the quotes ``explain_if`` asks them for, one row each."""
    scored = score_batch(tenant, quotes, pinned, model, explain=explain, spread=spread)
    return price_slice(tenant, quotes, pinned, model, scored, range(len(quotes)), code_version=code_version,
                       created=utc_timestamp(now), show=explain, explain_if=explain_if)


def _price_one(
    tenant: LoadedTenant, quote: Quote, pin: Pinned, model: RiskModel,
    found: tuple[ScoredRows, int] | None, created: str, code_version: str, spread: Decimal,
    show: bool = True, explain_if: ExplainIf | None = None,
) -> Priced:
    evaluation = pin.ruleset.evaluate(quote, trace=True)
    if evaluation.declined is not None:
        d = evaluation.declined
        raise QuoteDeclined(d.explain, rule_id=d.rule_id, cite=d.cite)
    telematics = None
    mapping = found[0].mappings[found[1]] if found is not None else None
    if mapping is not None:
        telematics = TelematicsInput(
            multiplier=mapping.multiplier,
            explanation=f"telematics risk {mapping.risk:.4f} (tier {mapping.tier}, {mapping.tier_label}) "
                        f"maps to x{mapping.multiplier} under the tenant's pricing")
    result = rate(quote, tenant=tenant.config, table=pin.table, rules=evaluation,
                  forbidden_factors=pin.ruleset.forbidden_factors, telematics=telematics)
    if result.declined:
        raise QuoteDeclined(result.decline_reason or "declined", rule_id=result.decline_rule or "engine")
    versions = Versions(rate_table=pin.table.content_hash, ruleset=version_of(pin.ruleset),
                        tenant_config=tenant.content_hash,
                        model=model.version if mapping is not None else None, code=code_version)
    if found is None or mapping is None:
        return Priced(quote, _response(quote, result, evaluation, None, versions, created, spread), evaluation)
    group, row = found
    shown = group.explanation_of(row) if show else None
    response = _response(quote, result, evaluation, (mapping, shown), versions, created, spread)
    explanation = shown
    if explanation is None and explain_if is not None and explain_if(response):
        explanation = group.explanation_of(row)
    return Priced(quote, response, evaluation, explanation=explanation)


def _response(
    quote: Quote, result: RatingResult, evaluation: Evaluation,
    scored: tuple[ScoreMapping, Explanation | None] | None, versions: Versions, created: str, spread: Decimal,
) -> QuoteResponse:
    applied = [AppliedRule(t.rule_id, t.effect or "", t.inputs) for t in evaluation.trace if t.matched]
    common = dict(decision_id=str(uuid.uuid4()), created_at=created, premium=result.premium,
                  base_premium=result.base_premium, factors=result.factors, rules_applied=applied,
                  versions=versions, reference=quote.reference)
    if scored is None:
        return QuoteResponse(**common)  # type: ignore[arg-type]
    mapping, explanation = scored
    return QuoteResponse(
        **common,  # type: ignore[arg-type]
        risk_score=mapping.risk, safety_score=mapping.safety_score, tier=mapping.tier,
        tier_label=mapping.tier_label, multiplier=mapping.multiplier, percentile=mapping.percentile,
        safest_top_pct=mapping.safest_top_pct, target_spread=spread,
        top_adverse_factors=explanation.top_adverse if explanation else None,
        top_positive_factors=explanation.top_positive if explanation else None,
    )
