"""One chunk of a scoring run: its drivers' month → features → scores → rows to write.

Everything here is a function of the database contents and the run's pinned parameters (model,
tenant config, credibility structure), with no clock and no randomness, so a retried or re-run
chunk writes byte-identical rows. It works on columns from end to end (numpy arrays in, arrays
and lists out): a chunk is thousands of drivers, and per-driver Python objects were most of its
cost once the model itself was fast.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
import numpy as np

from saas.scoring.coaching import coaching_tips
from saas.scoring.credibility import credibility
from saas.scoring.features import feature_set, permit_matrix
from saas.scoring.mapping_batch import smooth_safety_columns
from saas.scoring.model import RiskModel
from saas.scoring.monthly import feature_matrix
from saas.scoring.pipeline import score_matrix
from saas.tenancy.service import LoadedTenant
from saas.trips.notify import TIER_CHANGES_LISTED
from saas.trips.results import checksum, export_lines
from saas.trips.scores import ScoreColumns

EXPOSURE = {"hard_braking_events_per_100mi": "miles", "aggressive_turning_events_per_100mi": "miles",
            "speeding_minutes_per_100mi": "miles", "late_night_miles_per_100mi": "miles",
            "tailgating_time_ratio": "driving_seconds"}
"""Each rate feature's exposure: the weight in Z = m / (m + k) (miles, or driving time for a time ratio)."""
NUMERIC = ["miles", "driving_seconds", "prior_claim_count", *EXPOSURE]

EMPTY = checksum([])
_JSON = msgspec.json.Encoder()


@dataclass
class ChunkResult:
    scores: ScoreColumns
    unscored: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    digest: str = EMPTY
    tier_changes: tuple[int, list[tuple[str, str, str]]] = (0, [])
    """How many scored drivers changed tier since last month, and the first few (driver, from, to)."""
    moves: list[tuple[str, str, str]] = field(default_factory=list)
    """Every tier change (driver, from, to): the adverse ones each get a notice."""


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


def numeric(columns: dict[str, list[Any]], index: np.ndarray) -> dict[str, np.ndarray]:
    """The SQL columns as floats for the given positions (NULL, a rate without exposure, becomes NaN)."""
    return {name: np.array(columns[name], dtype=np.float64)[index] for name in NUMERIC}


@functools.cache
def _inputs_type(names: tuple[str, ...]) -> type[msgspec.Struct]:
    """A struct of the model's inputs: the same JSON object as a dict, made and encoded faster."""
    return msgspec.defstruct("ModelInputs", [(name, float | None) for name in names])


def feature_json(names: list[str], X: np.ndarray) -> list[str]:
    """The inputs as scored, one JSON object per row (NaN, an input not used, as null), in one encode."""
    inputs = _inputs_type(tuple(names))
    lines = _JSON.encode_lines([inputs(*row) for row in np.round(X, 6).tolist()])
    return lines.decode().split("\n")[:-1]


def score_drivers(columns: dict[str, list[Any]], previous: dict[str, tuple[int, str]], tenant: LoadedTenant,
                  model: RiskModel, *, period: str, structure: dict[str, dict[str, Any]], explain: bool,
                  spread_override: Decimal | None = None) -> ChunkResult:
    """Pure: one chunk's SQL columns (driver order) → its score columns, the unscored ids, the digest.

    ``previous``: driver → (last month's smoothed safety score in tenths, tier); absent: first month."""
    ids, states, trips = columns["driver_id"], np.array(columns["state"], dtype=object), np.array(columns["trips"])
    scorable = (trips > 0) & np.isin(states, list(tenant.config.states))
    scored = np.flatnonzero(scorable)
    result = ChunkResult(ScoreColumns(), [ids[i] for i in np.flatnonzero(~scorable)])
    if not len(scored):
        return result
    started = time.perf_counter()
    X = feature_matrix(shrunk_features(numeric(columns, scored), structure), model.feature_names)
    states = states[scored]
    result.timings["features"] = time.perf_counter() - started
    out = result.scores
    n = len(scored)
    out.risk_score, out.percentile = np.zeros(n), np.zeros(n)
    out.safety_month_tenths, out.multiplier_micro, out.safest_top_pct = (np.zeros(n, np.int64) for _ in range(3))
    tiers, labels = np.empty(n, dtype=object), np.empty(n, dtype=object)
    improve: list[list[str]] = [[] for _ in range(n)]
    for state in sorted(set(states)):  # each state's feature set: its disallowed inputs marginalised out
        index = np.flatnonzero(states == state)
        allowed = feature_set(tenant.config, str(state))
        X[index] = permit_matrix(X[index], allowed.groups, model)
        batch = score_matrix(model, tenant.config.pricing, X[index], explain=explain,
                             spread_override=spread_override, features=allowed, timings=result.timings)
        mapped = batch.mapped
        out.risk_score[index], out.percentile[index] = mapped.risk, mapped.percentile
        out.safety_month_tenths[index], out.multiplier_micro[index] = mapped.safety_tenths, mapped.multiplier_micros
        out.safest_top_pct[index] = mapped.safest_top_pct
        tiers[index] = np.array(mapped.tier_names, dtype=object)[mapped.tier_index]
        labels[index] = np.array(mapped.tier_labels, dtype=object)[mapped.tier_index]
        if explain:
            started = time.perf_counter()
            for j, explained in zip(index, batch.explanations(), strict=True):
                improve[j] = [tip.text for tip in coaching_tips(explained.contributions)] if explained else []
            result.timings["coaching"] = result.timings.get("coaching", 0.0) + time.perf_counter() - started
    started = time.perf_counter()
    out.driver_id = [ids[i] for i in scored]
    out.trips, out.miles = trips[scored].astype(np.int64), np.array(columns["miles"], dtype=np.float64)[scored]
    out.tier, out.tier_label, out.improve = tiers.tolist(), labels.tolist(), improve
    before = [previous.get(d) for d in out.driver_id]
    has = np.array([b is not None for b in before], dtype=np.bool_)
    out.safety_tenths = smooth_safety_columns(np.array([b[0] if b else 0 for b in before], dtype=np.int64), has,
                                              out.safety_month_tenths, tenant.config.safety_score.smoothing)
    changed = [(d, b[1], t) for d, b, t in zip(out.driver_id, before, out.tier, strict=True) if b and b[1] != t]
    result.tier_changes, result.moves = (len(changed), changed[:TIER_CHANGES_LISTED]), changed
    out.features = feature_json(list(model.feature_names), X)
    result.digest = checksum([export_lines(period, out)])
    result.timings["rows"] = time.perf_counter() - started
    return result
