"""What the quote API returns, and what a decision record keeps.

The response carries everything an insurer system shows a customer or a regulator: the premium,
every factor with its explanation, the telematics score and its top factors, the state rules that
fired, and the exact versions of every input so the decision can be replayed to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from saas.quote.schemas import Quote
from saas.rating.schemas import RatingFactor
from saas.rules.schemas import RuleTrace
from saas.scoring.explain import FactorContribution


class Versions(Struct, frozen=True, forbid_unknown_fields=True):
    """Content hashes of every input a decision depended on (pinned for replay)."""

    rate_table: str
    ruleset: str
    tenant_config: str
    model: str | None
    code: str


class AppliedRule(Struct, frozen=True, forbid_unknown_fields=True):
    rule_id: str
    effect: str
    inputs: dict[str, str]


class QuoteResponse(Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    decision_id: str
    created_at: str
    premium: Decimal
    base_premium: Decimal
    factors: list[RatingFactor]
    rules_applied: list[AppliedRule]
    versions: Versions
    currency: str = "USD"
    risk_score: float | None = None
    safety_score: Decimal | None = None
    tier: str | None = None
    tier_label: str | None = None
    multiplier: Decimal | None = None
    percentile: float | None = None
    safest_top_pct: int | None = None
    target_spread: Decimal | None = None
    """The dynamic-scaling spread the multiplier used (tenant's or the operator's override); replay reuses it."""
    top_adverse_factors: list[FactorContribution] | None = None
    top_positive_factors: list[FactorContribution] | None = None
    reference: str | None = None


class BulkItem(Struct, frozen=True, omit_defaults=True):
    """One bulk result: exactly one of ``quote`` or ``error`` is set, at the request's index."""

    index: int
    quote: QuoteResponse | None = None
    error: dict[str, Any] | None = None


class BulkResponse(Struct, frozen=True):
    results: list[BulkItem]
    succeeded: int
    failed: int


class BulkRequest(Struct, frozen=True, forbid_unknown_fields=True):
    """Quotes are decoded one by one so that one bad quote fails alone, with its own path."""

    quotes: Annotated[list[msgspec.Raw], Meta(min_length=1)]


class ShadowScore(Struct, frozen=True, forbid_unknown_fields=True):
    """A candidate model's view of a quote: the premium it would have given, had it been live."""

    model: str
    risk_score: float
    multiplier: Decimal
    tier: str
    premium: Decimal


class DecisionPayload(Struct, frozen=True, omit_defaults=True):
    """The body of an audit entry of kind ``quote``: request, response and the full rule trace."""

    request: Quote
    response: QuoteResponse
    explain: bool
    rule_trace: list[RuleTrace]
    shadow: ShadowScore | None = None


class DeclinePayload(Struct, frozen=True, forbid_unknown_fields=True):
    """The body of an audit entry of kind ``quote_declined``: what was asked, which rule refused it."""

    request: Quote
    reason: str
    rule_id: str
    cite: str | None
    versions: dict[str, str | None]
