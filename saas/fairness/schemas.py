"""Request and response structs of fairness testing: proxy uploads, reports, the gate, sign-offs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

from saas.quote.schemas import free_text

Period = Annotated[str, Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="a calendar month, YYYY-MM")]
Group = Literal["white", "black", "api", "native", "multiple", "hispanic"]
Reason = Annotated[str, free_text(2000, min_length=1, multiline=True)]
MAX_PROXY_CSV_BYTES = 25 * 1024 * 1024
"""A proxy upload larger than this is refused whole (413): 25 MB is about 500,000 drivers."""
MAX_ROW_ERRORS = 100
"""At most this many per-row errors are listed (the total is always counted)."""
MIN_EFFECTIVE_N = 30.0
"""A group with fewer expected (Σ p) or effective (Kish) drivers than this is reported as too small."""


class ReportRequest(Struct, forbid_unknown_fields=True, frozen=True):
    """Either a scoring month's drivers (``period``) or the quotes recorded since a date."""

    period: Period | None = None
    quotes_since: dt.date | None = None
    reference: Group = "white"

    def __post_init__(self) -> None:
        if (self.period is None) == (self.quotes_since is None):
            raise ValueError("give exactly one of `period` or `quotes_since`")


class SignoffRequest(Struct, forbid_unknown_fields=True, frozen=True):
    reason: Reason


class RowError(Struct, frozen=True):
    line: int
    field: str
    detail: str


class ProxyImport(Struct, frozen=True):
    """What an accepted upload stored: counts by method, never a name."""

    drivers: int
    methods: dict[str, int]
    unresolved: list[str]
    """Driver ids whose surname and ZIP both were unknown to the Census tables: no proxy stored."""
    census_vintage: str


class GroupFigures(Struct, frozen=True, omit_defaults=True):
    """One group against the reference on one outcome; ratios are absent when a group is too small."""

    group: str
    n: float
    """Σ p_ig: the expected number of the group's drivers."""
    n_effective: float
    """Kish's (Σ p)² / Σ p²: what the tests use as the group's sample size."""
    mean: float
    too_small: bool = False
    ratio: float | None = None
    ratio_ci: tuple[float, float] | None = None
    smd: float | None = None
    smd_ci: tuple[float, float] | None = None
    t: float | None = None
    df: float | None = None
    p_t: float | None = None
    rate_difference: float | None = None
    rate_difference_ci: tuple[float, float] | None = None
    air: float | None = None
    air_ci: tuple[float, float] | None = None
    odds_ratio: float | None = None
    z: float | None = None
    p_z: float | None = None


class RegressionFigures(Struct, frozen=True):
    """log(outcome) on the group probabilities: the gap e^β − 1 of group against reference."""

    group: str
    controls: Literal["none", "rating_factors", "rating_and_telematics"]
    beta: float
    se: float
    p: float
    gap: float
    gap_low: float
    gap_high: float


class DriverOfGap(Struct, frozen=True):
    """One model input's part in a group's gap in the risk score (the model's output)."""

    group: str
    input: str
    contribution_gap: float
    """Group's minus reference's mean exact contribution (TreeSHAP), in risk-score points."""
    share: float | None
    """Of the group's risk-score gap (contributions add up to it exactly)."""
    multiplier_gap_without: float
    """The group's multiplier gap (ratio − 1) when this input is marginalised out of the model."""
    gap_change: float
    """``multiplier_gap_without`` minus the gap as scored."""


class OutcomeFigures(Struct, frozen=True, omit_defaults=True):
    outcome: str
    adverse_when: Literal["higher", "lower"]
    reference_mean: float
    groups: list[GroupFigures]
    regression: list[RegressionFigures] = []


class Flag(Struct, frozen=True):
    outcome: str
    group: str
    kind: Literal["gap", "air"]
    value: float
    p: float | None
    detail: str


class Provenance(Struct, frozen=True):
    drivers: int
    with_proxy: int
    coverage: float
    methods: dict[str, int]
    census_vintage: str
    weighting: str
    bootstrap: str
    model_version: str | None = None


class MonthFigures(Struct, frozen=True):
    period: str
    drivers: int
    outcomes: list[OutcomeFigures]
    flags: list[Flag]


class ReportBody(Struct, frozen=True, omit_defaults=True):
    """Everything a report says; its hash is the audit-chain entry."""

    scope: str
    reference: str
    provenance: Provenance
    outcomes: list[OutcomeFigures]
    flags: list[Flag]
    drivers: list[DriverOfGap] = []
    months: list[MonthFigures] = []


class ReportSummary(Struct, frozen=True):
    id: str
    scope: str
    created_at: str
    created_by: str
    hash: str
    flags: int


class Report(Struct, frozen=True):
    id: str
    created_at: str
    created_by: str
    hash: str
    body: ReportBody


class ReportList(Struct, frozen=True):
    reports: list[ReportSummary]


class GateChange(Struct, frozen=True):
    """A flag the change creates (``crossed``) or a flagged gap it makes worse (``widened``)."""

    outcome: str
    group: str
    kind: Literal["gap", "air"]
    change: Literal["crossed", "widened"]
    before: float | None
    after: float
    detail: str


class GateResult(Struct, frozen=True):
    """The fairness figures of a change's test, before and after; ``blocked`` until signed off."""

    drivers: int
    """Drivers (or quotes) of the test that have a proxy."""
    before: list[OutcomeFigures]
    after: list[OutcomeFigures]
    flags_before: list[Flag]
    flags_after: list[Flag]
    changes: list[GateChange]
    blocked: bool
    census_vintage: str


class GateRecord(Struct, frozen=True):
    subject: str
    hash: str
    at: str
    result: GateResult
    signed_off: bool
    signoff_id: str | None = None


class Signoff(Struct, frozen=True):
    id: str
    subject: str
    gate_hash: str
    reason: str
    actor: str
    at: str
