"""Estimating the Bühlmann credibility structure of a tenant's cohort from its own trips.

Run once when a run is created (not per chunk), so every chunk shrinks with the same ``k`` and
cohort mean, and recorded with the run. The data are driver-months of the scored month and the
eleven before it; for a large tenant, evenly spaced slices of its (id-ordered) drivers, about
``SAMPLE_DRIVERS`` of them: the estimators' error at that size is far below what changes a score.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from saas.scoring.credibility import shrink
from saas.trips.api_schemas import previous_period
from saas.trips.chunk import EXPOSURE
from saas.trips.models import TripRow
from saas.trips.repository import Trips

MONTHS = 12
SAMPLE_DRIVERS = 50_000


def periods_ending(period: str, months: int = MONTHS) -> list[str]:
    out = [period]
    while len(out) < months:
        out.append(previous_period(out[-1]))
    return out


async def estimate(session: AsyncSession, tenant_id: str, period: str,
                   ranges: list[tuple[str, str]], chunk_drivers: int) -> dict[str, dict[str, Any]]:
    """Per rate feature: k, the collective mean, v̂, â, drivers used and which rule applied."""
    step = max(1, math.ceil(len(ranges) * chunk_drivers / SAMPLE_DRIVERS))
    sample = ranges[::step]
    where = [or_(*(TripRow.driver_id.between(a, b) for a, b in sample))] if step > 1 else []
    columns = await Trips(session, tenant_id).driver_months(periods_ending(period), *where)
    if not columns["driver_id"]:
        return {name: {"k": None, "mean": None, "note": "no trips"} for name in EXPOSURE}
    codes = np.unique(np.array(columns["driver_id"], dtype=object), return_inverse=True)[1]
    out: dict[str, dict[str, Any]] = {}
    for name, exposure in EXPOSURE.items():
        weight = np.nan_to_num(np.array(columns[exposure], dtype=np.float64))
        value = np.array(columns[name], dtype=np.float64)  # NULL (no exposure) becomes NaN
        structure = shrink(codes, value, weight).structure
        params = {key: _json_number(v) for key, v in asdict(structure).items()}
        out[name] = {**params, "exposure": exposure, "sampled": step > 1}
    return out


def _json_number(value: Any) -> Any:
    """JSON has no infinity or NaN: k = ∞ (full shrink) is written "inf", an undefined value null."""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if math.isnan(value):
            return None
    return value
