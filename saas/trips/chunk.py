"""One chunk of a scoring run: its drivers' month → features → scores → upserted rows.

Everything here is a function of the database contents and the run's pinned parameters (model,
tenant config, credibility structure), with no clock and no randomness, so a retried or re-run
chunk writes byte-identical rows; the upsert key (tenant, driver, period) keeps it to one row each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
import numpy as np

from saas.scoring.coaching import coaching_tips
from saas.scoring.credibility import credibility
from saas.scoring.features import feature_set, permit_matrix
from saas.scoring.mapping import smooth_safety
from saas.scoring.model import RiskModel
from saas.scoring.monthly import feature_matrix
from saas.scoring.pipeline import score_matrix
from saas.tenancy.service import LoadedTenant
from saas.trips.results import checksum, line_of_values

EXPOSURE = {"hard_braking_events_per_100mi": "miles", "aggressive_turning_events_per_100mi": "miles",
            "speeding_minutes_per_100mi": "miles", "late_night_miles_per_100mi": "miles",
            "tailgating_time_ratio": "driving_seconds"}
"""Each rate feature's exposure: the weight in Z = m / (m + k) (miles, or driving time for a time ratio)."""


EMPTY = checksum([])


@dataclass
class ChunkResult:
    rows: list[dict[str, Any]]
    unscored: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    digest: str = EMPTY


def shrunk_features(columns: dict[str, np.ndarray], structure: dict[str, dict[str, Any]]) -> dict[str, np.ndarray]:
    """Each rate moved towards the tenant's cohort mean by 1 − Z; ``k`` came from the tenant's data."""
    out = dict(columns)
    for name, exposure in EXPOSURE.items():
        params = structure.get(name)
        if params is None or params.get("mean") is None:
            continue
        k = float(params["k"])
        z = credibility(columns[exposure], k)
        rate = columns[name]
        out[name] = np.where(np.isnan(rate), rate, z * np.nan_to_num(rate) + (1 - z) * float(params["mean"]))
    return out


def to_columns(rows: list[Any]) -> dict[str, np.ndarray]:
    """SQL rows → one float column per feature (NULL, a rate without exposure, becomes NaN)."""
    names = ["miles", "driving_seconds", "prior_claim_count", *EXPOSURE]
    if not rows:
        return {name: np.zeros(0) for name in names}
    columns = dict(zip(rows[0]._fields, zip(*rows, strict=True), strict=True))
    return {name: np.array(columns[name], dtype=np.float64) for name in names}


def score_drivers(rows: list[Any], previous: dict[str, Decimal], tenant: LoadedTenant, model: RiskModel, *,
                  period: str, structure: dict[str, dict[str, Any]], explain: bool,
                  spread_override: Decimal | None = None) -> ChunkResult:
    """Pure: the SQL rows of one chunk (driver order) → score rows to upsert, and the unscored ids."""
    result = ChunkResult([], [r.driver_id for r in rows if r.trips == 0 or r.state not in tenant.config.states])
    scored_rows = [r for r in rows if r.trips > 0 and r.state in tenant.config.states]
    if not scored_rows:
        return result
    started = time.perf_counter()
    features = shrunk_features(to_columns(scored_rows), structure)
    X = feature_matrix(features, model.feature_names)
    states = np.array([r.state for r in scored_rows])
    result.timings["features"] = time.perf_counter() - started
    mappings: list[Any] = [None] * len(scored_rows)
    explanations: list[Any] = [None] * len(scored_rows)
    for state in np.unique(states):  # each state's feature set: its disallowed inputs marginalised out
        index = np.flatnonzero(states == state)
        allowed = feature_set(tenant.config, str(state))
        X[index] = permit_matrix(X[index], allowed.groups, model)
        scored = score_matrix(model, tenant.config.pricing, X[index], explain=explain,
                              spread_override=spread_override, features=allowed, timings=result.timings)
        for j, (mapping, explained) in enumerate(zip(scored.mappings, scored.explanations(), strict=True)):
            mappings[index[j]], explanations[index[j]] = mapping, explained
    started = time.perf_counter()
    weight = tenant.config.safety_score.smoothing
    inputs = np.round(X, 6).tolist()  # JSON has no NaN: msgspec writes an imputed input as null
    lines = []
    for i, (row, mapping, explained) in enumerate(zip(scored_rows, mappings, explanations, strict=True)):
        improve = [tip.text for tip in coaching_tips(explained.contributions)] if explained is not None else []
        values = {
            "driver_id": row.driver_id, "period": period, "trips": int(row.trips), "miles": float(row.miles),
            "risk_score": mapping.risk, "safety_score_month": mapping.safety_score,
            "safety_score": smooth_safety(previous.get(row.driver_id), mapping.safety_score, weight),
            "multiplier": mapping.multiplier, "tier": mapping.tier, "tier_label": mapping.tier_label,
            "percentile": mapping.percentile, "safest_top_pct": mapping.safest_top_pct,
            "features": msgspec.json.encode(dict(zip(model.feature_names, inputs[i], strict=True))).decode(),
            "coaching": msgspec.json.encode(improve).decode(),
        }
        result.rows.append(values)
        lines.append(line_of_values(values, improve))
    result.digest = checksum(lines)
    result.timings["rows"] = time.perf_counter() - started
    return result

