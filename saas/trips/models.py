"""Trip ingestion and monthly scoring tables.

A trip is keyed by (tenant, trip id): that key is the idempotency of every upload path (API
batch, raw trace, CSV import). A driver score is keyed by (tenant, driver, period), so a re-run or
a retried chunk overwrites a driver's month with the very same row instead of adding one. A run's
chunks are rows too: their driver ranges are fixed when the run is created, so any worker that
picks a chunk up (again) scores exactly the same drivers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import Base
from saas.tenancy.scoping import TenantOwned


class DriverRow(TenantOwned, Base):
    __tablename__ = "drivers"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    driver_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    prior_claim_count: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[str] = mapped_column(String(32), nullable=False)


class TripRow(TenantOwned, Base):
    """One trip's totals; ``period`` (UTC month of the start) is what a monthly run selects on.

    Quantities are NUMERIC with 4 decimals (a tenth of a millimile): sums of them are exact, so a
    month's features are the same whatever order the database adds the trips in (float sums are
    not), which keeps re-runs byte-identical."""

    __tablename__ = "trips"
    __table_args__ = (Index("ix_trips_month", "tenant_id", "period", "driver_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    driver_id: Mapped[str] = mapped_column(String(64), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    driving_seconds: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    miles: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    hard_braking_events: Mapped[int] = mapped_column(Integer, nullable=False)
    aggressive_turning_events: Mapped[int] = mapped_column(Integer, nullable=False)
    speeding_minutes: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    tailgating_seconds: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    phone_use_seconds: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    night_miles: Mapped[float] = mapped_column(Numeric(14, 4, asdecimal=False), nullable=False)
    detector_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Set when the summary came from a raw trace: which detection rules produced it."""


class ScoringRunRow(TenantOwned, Base):
    __tablename__ = "scoring_runs"
    __table_args__ = (Index("ix_scoring_runs_period", "tenant_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    explain: Mapped[bool] = mapped_column(Boolean, nullable=False)
    chunks: Mapped[int] = mapped_column(Integer, nullable=False)
    expected: Mapped[int] = mapped_column(Integer, nullable=False)
    written: Mapped[int | None] = mapped_column(Integer, nullable=True)
    not_scored: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credibility: Mapped[str] = mapped_column(Text, nullable=False)
    """Per rate feature: Bühlmann k, collective mean and how they were estimated (JSON)."""
    model_version: Mapped[str] = mapped_column(String(80), nullable=False)
    tenant_config: Mapped[str] = mapped_column(String(64), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    finished_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reconciliation: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Expected vs written, not scored, in failed chunks, missing, duplicates (JSON), once closed."""
    timings: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Seconds spent per phase, summed over chunks (JSON): what the benchmark reports."""


class ScoringChunkRow(TenantOwned, Base):
    __tablename__ = "scoring_chunks"

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_driver: Mapped[str] = mapped_column(String(64), nullable=False)
    last_driver: Mapped[str] = mapped_column(String(64), nullable=False)
    drivers: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    written: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unscored: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Driver ids of the chunk without a trip in the period (JSON list): reported, not scored."""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the chunk's result lines (the JSONL export's bytes for its drivers), in driver order."""
    timings: Mapped[str | None] = mapped_column(Text, nullable=True)
    tier_changes: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Drivers of the chunk whose tier differs from last month's (JSON: count, the first few in driver order)."""


class DriverScoreRow(TenantOwned, Base):
    __tablename__ = "driver_scores"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    driver_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    trips: Mapped[int] = mapped_column(Integer, nullable=False)
    miles: Mapped[float] = mapped_column(Float, nullable=False)
    risk_score: Mapped[float] = mapped_column(Float, nullable=False)
    safety_score: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    """Smoothed with the previous month's (0.6 / 0.4 by default): what drivers see."""
    safety_score_month: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(12, 6), nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    tier_label: Mapped[str] = mapped_column(Text, nullable=False)
    percentile: Mapped[float] = mapped_column(Float, nullable=False)
    safest_top_pct: Mapped[int] = mapped_column(Integer, nullable=False)
    features: Mapped[str] = mapped_column(Text, nullable=False)
    """The model inputs as scored (after credibility and feature permissions), JSON."""
    coaching: Mapped[str] = mapped_column(Text, nullable=False)
    """The 2–3 behaviours to improve, worst first (JSON list of tips; empty without explanations)."""
