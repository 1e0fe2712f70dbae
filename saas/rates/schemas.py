"""Request and response structs of the rate-version workflow, and its audit payload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from msgspec import Meta, Raw, Struct

from saas.quote.schemas import StateCode, free_text
from saas.rates.impact import Impact

Status = Literal["draft", "approved", "deployed", "superseded", "rejected"]
STATUSES: tuple[str, ...] = ("draft", "approved", "deployed", "superseded", "rejected")
Message = Annotated[str, free_text(2000, min_length=1, multiline=True)]
MAX_SCENARIOS = 10_000


class DraftRequest(Struct, forbid_unknown_fields=True, frozen=True):
    """``table`` is validated field by field (every problem reported), so it arrives raw."""

    table: Raw
    message: Message
    filing_reference: Annotated[str, free_text(120, min_length=1)] | None = None
    expiry_date: dt.date | None = None


class Author(Struct, frozen=True):
    name: str
    key_id: str


class VersionSummary(Struct, frozen=True, omit_defaults=True):
    id: str
    state: str
    product: str
    status: Status
    author: Author
    message: str
    created_at: str
    effective_date: dt.date
    parent_id: str | None = None
    filing_reference: str | None = None
    expiry_date: dt.date | None = None


class HistoryEvent(Struct, frozen=True, omit_defaults=True):
    action: str
    status: str
    actor: str
    at: str
    note: str | None = None


class Deployment(Struct, frozen=True, omit_defaults=True):
    kind: Literal["new", "renewal"]
    effective_date: dt.date
    action: str
    deployed_by: str
    deployed_at: str
    withdrawn_at: str | None = None
    withdrawn_by: str | None = None


class ScenarioResult(Struct, frozen=True, omit_defaults=True):
    key: str
    old_premium: Decimal | None = None
    new_premium: Decimal | None = None
    change: Decimal | None = None
    pct_change: Decimal | None = None
    baseline_version: str | None = None
    error: str | None = None


class TestRun(Struct, frozen=True, omit_defaults=True):
    id: str
    version_id: str
    actor: str
    at: str
    scenarios: list[ScenarioResult]
    impact: Impact | None = None


class TestRunSummary(Struct, frozen=True):
    id: str
    actor: str
    at: str
    count: int


class VersionDetail(Struct, frozen=True):
    version: VersionSummary
    table: Any
    history: list[HistoryEvent]
    deployments: list[Deployment]
    test_runs: list[TestRunSummary]


class VersionLog(Struct, frozen=True):
    versions: list[VersionSummary]


class TestRequest(Struct, forbid_unknown_fields=True, frozen=True):
    """Either quotes to rate (each a quote, or ``{"scenario_id", "quote"}``) or the tenant's last N priced quotes."""

    scenarios: Annotated[list[Raw], Meta(min_length=1, max_length=MAX_SCENARIOS)] | None = None
    recent_decisions: Annotated[int, Meta(ge=1, le=MAX_SCENARIOS)] | None = None


class RejectRequest(Struct, forbid_unknown_fields=True, frozen=True):
    reason: Message


class DeployRequest(Struct, forbid_unknown_fields=True, frozen=True):
    effective_date: dt.date | None = None
    renewal_effective_date: dt.date | None = None


class RollbackRequest(Struct, forbid_unknown_fields=True, frozen=True):
    state: StateCode
    product: Literal["auto"] = "auto"


class RateVersionEntry(Struct, frozen=True, omit_defaults=True):
    """The audit payload of every transition (kind ``rate_version``): who did what to which version."""

    action: str
    version_id: str
    state: str
    product: str
    status: str
    actor: str
    key_id: str
    note: str | None = None
    effective_date: dt.date | None = None
    renewal_effective_date: dt.date | None = None
    test_run_id: str | None = None
