"""A configuration change on the tenant's own book: every driver of the last completed monthly run
re-mapped from the risk score stored for them, under the configuration in force and under the draft.

Only the mapping changes (caps, spread, tiers, smoothing); the risk scores are the run's, so the
run's own model gives both sides their baseline and percentiles. Everything is columnar and exact:
multipliers are integer millionths and safety scores integer tenths (``mapping_batch``), so a band
edge (exactly +10 %) is decided in integers, never by a float that lands either side of it.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from msgspec import Struct

from saas.rates.impact import BANDS
from saas.scoring.mapping_batch import map_scores_columns, smooth_safety_columns
from saas.scoring.model import RiskModel
from saas.tenancy.schemas import TenantConfig

SAFETY_MOVE_TENTHS = 50
"""A safety score that moves by more than 5 points is counted: drivers see that number."""


class Mover(Struct, frozen=True):
    driver_id: str
    old_multiplier: Decimal
    new_multiplier: Decimal
    pct_change: Decimal


class BandCount(Struct, frozen=True):
    label: str
    rule: str
    count: int


class BookImpact(Struct, frozen=True, omit_defaults=True):
    """The drivers of one month re-mapped; percents are percent points, unrounded to 4 places."""

    period: str
    run_id: str
    drivers: int
    changed: int
    mean_pct: Decimal
    beyond_10_pct: int
    beyond_25_pct: int
    bands: list[BandCount]
    tier_migration: dict[str, dict[str, int]]
    """From the tier in force to the draft's tier: counts (a row per old tier, a column per new)."""
    safety_moves_over_5: int
    largest_increase: Mover | None = None
    largest_decrease: Mover | None = None
    movers: list[Mover] = []
    """The 20 largest moves either way, largest first."""


def remap_book(period: str, run_id: str, drivers: list[str], risks: np.ndarray, previous_tenths: np.ndarray,
               has_previous: np.ndarray, current: TenantConfig, draft: TenantConfig, model: RiskModel,
               rescored: tuple[np.ndarray, RiskModel] | None = None) -> BookImpact:
    """``rescored``: the draft's own risk scores and model, when it scores drivers differently."""
    new_risks, new_model = rescored or (risks, model)
    old = map_scores_columns(risks, current.pricing, model)
    new = map_scores_columns(new_risks, draft.pricing, new_model)
    a, b = old.multiplier_micros.astype(np.int64), new.multiplier_micros.astype(np.int64)
    safety_old = smooth_safety_columns(previous_tenths, has_previous, old.safety_tenths, current.safety_score.smoothing)
    safety_new = smooth_safety_columns(previous_tenths, has_previous, new.safety_tenths, draft.safety_score.smoothing)
    pct = np.where(a > 0, (b - a) * 100.0 / np.maximum(a, 1), 0.0)
    return BookImpact(
        period=period, run_id=run_id, drivers=len(drivers), changed=int(np.count_nonzero(a != b)),
        mean_pct=_pct(float(pct.mean()) if len(pct) else 0.0),
        beyond_10_pct=int(np.count_nonzero(np.abs(b - a) * 10 > a)),
        beyond_25_pct=int(np.count_nonzero(np.abs(b - a) * 4 > a)),
        bands=_bands(a, b), tier_migration=_migration(old.tier_index, old.tier_names, new.tier_index, new.tier_names),
        safety_moves_over_5=int(np.count_nonzero(np.abs(safety_new - safety_old) > SAFETY_MOVE_TENTHS)),
        largest_increase=_mover(drivers, a, b, pct, int(np.argmax(pct))) if len(pct) and pct.max() > 0 else None,
        largest_decrease=_mover(drivers, a, b, pct, int(np.argmin(pct))) if len(pct) and pct.min() < 0 else None,
        movers=[_mover(drivers, a, b, pct, int(i)) for i in np.argsort(-np.abs(pct), kind="stable")[:20]
                if a[i] != b[i]])


def _bands(a: np.ndarray, b: np.ndarray) -> list[BandCount]:
    """The rate exhibit's bands (``saas.rates.impact``), decided exactly: 100·(b − a) against 5·a, 10·a."""
    d = (b - a) * 100
    masks = [d < -10 * a, (d >= -10 * a) & (d < -5 * a), (d >= -5 * a) & (d < 0), d == 0,
             (d > 0) & (d <= 5 * a), (d > 5 * a) & (d <= 10 * a), d > 10 * a]
    return [BandCount(label, rule, int(np.count_nonzero(mask)))
            for (label, rule), mask in zip(BANDS, masks, strict=True)]


def _migration(old: np.ndarray, old_names: tuple[str, ...], new: np.ndarray,
               new_names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    counts = np.zeros((len(old_names), len(new_names)), dtype=np.int64)
    np.add.at(counts, (old.astype(np.int64), new.astype(np.int64)), 1)
    return {old_names[i]: {new_names[j]: int(counts[i, j]) for j in range(len(new_names)) if counts[i, j]}
            for i in range(len(old_names)) if counts[i].any()}


def _mover(drivers: list[str], a: np.ndarray, b: np.ndarray, pct: np.ndarray, i: int) -> Mover:
    return Mover(drivers[i], Decimal(int(a[i])).scaleb(-6), Decimal(int(b[i])).scaleb(-6), _pct(float(pct[i])))


def _pct(value: float) -> Decimal:
    return Decimal(repr(round(value, 4)))
