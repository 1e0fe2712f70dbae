"""Request and response structs shared by the content kinds (configurations, rulesets), and the
audit payload of their transitions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from saas.quote.schemas import free_text

Status = Literal["draft", "approved", "deployed", "superseded", "rejected"]
STATUSES: tuple[str, ...] = ("draft", "approved", "deployed", "superseded", "rejected")
Message = Annotated[str, free_text(2000, min_length=1, multiline=True)]
MAX_QUOTES = 10_000


class DraftRequest(Struct, forbid_unknown_fields=True, frozen=True):
    """The file's text as it would be committed to the partner's own git, and why it changes."""

    yaml: Annotated[str, Meta(max_length=1_000_000)]
    message: Message


class Author(Struct, frozen=True):
    name: str
    key_id: str


class VersionSummary(Struct, frozen=True, omit_defaults=True):
    id: str
    kind: str
    scope: str
    status: Status
    author: Author
    message: str
    created_at: str
    parent_id: str | None = None


class HistoryEvent(Struct, frozen=True, omit_defaults=True):
    action: str
    status: str
    actor: str
    at: str
    note: str | None = None


class Deployment(Struct, frozen=True, omit_defaults=True):
    effective_date: dt.date
    action: str
    deployed_by: str
    deployed_at: str
    withdrawn_at: str | None = None
    withdrawn_by: str | None = None


class TestRunSummary(Struct, frozen=True):
    id: str
    actor: str
    at: str


class VersionDetail(Struct, frozen=True):
    version: VersionSummary
    yaml: str
    """The text as uploaded, comments included."""
    parsed: Any
    history: list[HistoryEvent]
    deployments: list[Deployment]
    test_runs: list[TestRunSummary]


class VersionLog(Struct, frozen=True):
    versions: list[VersionSummary]


class TestRequest(Struct, forbid_unknown_fields=True, frozen=True):
    """Which recorded quotes to re-price: the last ``recent_quotes`` (default 1,000), or those since a date."""

    recent_quotes: Annotated[int, Meta(ge=1, le=MAX_QUOTES)] | None = None
    quotes_since: dt.date | None = None


class RejectRequest(Struct, forbid_unknown_fields=True, frozen=True):
    reason: Message


class DeployRequest(Struct, forbid_unknown_fields=True, frozen=True):
    effective_date: dt.date | None = None


class ContentEntry(Struct, frozen=True, omit_defaults=True):
    """The audit payload of every transition (kinds ``tenant_config_version``, ``ruleset_version``)."""

    action: str
    version_id: str
    scope: str
    status: str
    actor: str
    key_id: str
    note: str | None = None
    effective_date: dt.date | None = None
    test_run_id: str | None = None
