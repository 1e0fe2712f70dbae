"""Pricing quotes end to end: rules, rate table, shared model, tenant mapping, engine.

One function prices a batch for one tenant: the model is called once for every quote with
telematics in the batch (score and, if asked, explanations), so a single quote and 10,000 bulk
quotes run the same code. It is pure and synchronous; recording the decisions is the caller's job
(``saas.rating.decisions``), so replay can re-run exactly this code against pinned inputs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
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


@dataclass(frozen=True)
class Scored:
    """The model's view of a batch (``saas.scoring.pipeline``), one scored group per feature set
    (the states of a batch may allow different inputs), indexed by quote position."""

    rows: dict[int, tuple[int, int]]
    groups: list[ScoredRows]
    spread: Decimal

    def get(self, i: int) -> tuple[ScoreMapping, Explanation | None] | None:
        found = self.rows.get(i)
        if found is None:
            return None
        group, row = self.groups[found[0]], found[1]
        return group.mappings[row], group.explanation(row)


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
) -> list[Priced | SaasError]:
    """Price ``quotes[span]`` with a batch's scores; an item whose inputs failed keeps its error.
    ``show=False`` keeps computed explanations out of the response (they stay on ``Priced``)."""
    out: list[Priced | SaasError] = []
    for i in span:
        pin = pinned[i]
        if isinstance(pin, SaasError):
            out.append(pin)
            continue
        try:
            out.append(_price_one(tenant, quotes[i], pin, model, scored.get(i), created, code_version,
                                  scored.spread, show))
        except SaasError as exc:
            out.append(exc)
    return out


def price_batch(
    tenant: LoadedTenant, quotes: Sequence[Quote], pinned: Sequence[Pinned | SaasError], model: RiskModel,
    *, explain: bool, code_version: str, now: dt.datetime | None = None, spread: Decimal | None = None,
    contributions: bool = False,
) -> list[Priced | SaasError]:
    """Score and price a whole (small) batch: single quotes and replays. ``contributions`` computes
    the explanations even when the response does not show them (``explain=False``)."""
    scored = score_batch(tenant, quotes, pinned, model, explain=explain or contributions, spread=spread)
    return price_slice(tenant, quotes, pinned, model, scored, range(len(quotes)), code_version=code_version,
                       created=utc_timestamp(now), show=explain)


def _price_one(
    tenant: LoadedTenant, quote: Quote, pin: Pinned, model: RiskModel,
    scored: tuple[ScoreMapping, Explanation | None] | None, created: str, code_version: str, spread: Decimal,
    show: bool = True,
) -> Priced:
    evaluation = pin.ruleset.evaluate(quote, trace=True)
    if evaluation.declined is not None:
        d = evaluation.declined
        raise QuoteDeclined(d.explain, rule_id=d.rule_id, cite=d.cite)
    telematics = None
    if scored is not None:
        mapping = scored[0]
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
                        model=model.version if scored is not None else None, code=code_version)
    explanation = scored[1] if scored is not None else None
    shown = scored if show or scored is None else (scored[0], None)
    response = _response(quote, result, evaluation, shown, versions, created, spread)
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
