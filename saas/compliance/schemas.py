"""Adverse-action notices and the register, as strict structs (what is recorded, served and bundled).

A notice is recorded as an audit entry of kind ``adverse_action`` in the transaction of the
decision it explains, so its payload is exactly this struct, hashed into the tenant's chain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from msgspec import Struct

NOTICE_KIND = "adverse_action"
"""Audit entry kind of a notice; its decision id is ``notice_id(decision id)``."""
DECLINE_KIND = "quote_declined"
"""Audit entry kind of a declined quote: declines are decisions too, with their rule and citation."""
BUNDLE_KIND = "compliance_bundle"
"""Audit entry kind that anchors a bundle's manifest hash in the chain."""
WEBHOOK_EVENT = "adverse_action.created"
MAX_REASONS = 4
"""Texas Ins. Code §559.054 and FCRA §615(a) practice: no more than four primary factors."""

ActionKind = Literal["quote_declined", "telematics_surcharge", "tier_increase"]
Source = Literal["telematics", "rating_factor", "rule", "model_baseline"]


def notice_id(decision_id: str) -> str:
    """The notice's own decision id: one notice per decision, found again from the decision's id."""
    return f"aa-{decision_id}"


class Effect(Struct, frozen=True, forbid_unknown_fields=True):
    """One factor's part in the price difference, in dollars (exact cents; all of them add up)."""

    key: str
    """What moved the price (a model input, a rating factor or a rule id): for the register's mix."""
    source: Source
    amount: Decimal
    sentence: str
    """A sentence a consumer understands; never a column name."""


class Reason(Struct, frozen=True, forbid_unknown_fields=True):
    rank: int
    key: str
    source: Source
    amount: Decimal | None
    sentence: str
    cite: str | None = None


class DataSource(Struct, frozen=True, forbid_unknown_fields=True):
    """Where the information came from (FCRA §615(a) names the source; here it is the insurer's program)."""

    program: str
    provider: str
    period: str | None
    trips: int | None
    months_observed: int | None = None


class Reconciliation(Struct, frozen=True, forbid_unknown_fields=True):
    """The sums a reader can redo: effects of the adverse inputs = ``difference``; of the rating
    factors above the tenant's base = ``above_base``."""

    difference: Decimal
    telematics_total: Decimal
    above_base: Decimal
    rating_total: Decimal


class Notice(Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    notice_id: str
    decision_id: str
    tenant_id: str
    kind: ActionKind
    created_at: str
    action: str
    """What was done, in one sentence (declined; charged more than without telematics; moved up a tier)."""
    reasons: list[Reason]
    effects: list[Effect]
    """Every contributing factor with its dollar effect (the reasons are the largest of these)."""
    data_source: DataSource
    versions: dict[str, str | None]
    what_you_can_do: list[str]
    rights: list[str]
    premium: Decimal | None = None
    benchmark: Decimal | None = None
    """Neutral benchmark: the premium without telematics (quotes), last month's factor (tier moves)."""
    unit: str = "USD per year"
    reconciliation: Reconciliation | None = None
    rule_id: str | None = None
    cite: str | None = None
    period: str | None = None
    driver_id: str | None = None


class RegisterEntry(Struct, frozen=True):
    notice_id: str
    decision_id: str
    kind: ActionKind
    created_at: str
    reasons: list[str]
    delivery_status: str | None
    delivered_at: str | None


class TenantFigures(Struct, frozen=True):
    adverse_decisions: int
    notices: int
    notice_rate: Decimal
    """notices ÷ adverse decisions (must be 1)."""
    by_kind: dict[str, int]
    reason_mix: dict[str, int]
    """How often each reason key is among a notice's principal reasons."""
    delivered: int
    days_to_delivery_max: Decimal | None
    days_to_delivery_mean: Decimal | None


class Register(Struct, frozen=True):
    tenant_id: str
    period: str
    figures: TenantFigures
    entries: list[RegisterEntry]
