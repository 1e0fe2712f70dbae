"""The book a report tests: a scoring month's drivers or recent quotes, joined to their proxies.

Drivers without a proxy are counted (coverage) and left out. A month's outcomes are what the
drivers were told: the telematics multiplier, whether it surcharged them (> 1), the tier's rank
(1 = the best tier) and the safety score; the controls are the traditional factors the platform
holds (state, prior claims) and the telematics inputs as scored. Quotes are matched to proxies by
the quote's ``reference`` (the partner's driver id) and add the premium.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from saas.fairness.drivers import ScoredBook
from saas.fairness.report import Book, Outcome
from saas.fairness.repository import PROBABILITY_COLUMNS
from saas.scoring.model import RiskModel
from saas.tenancy.schemas import TenantConfig

RATING_INPUTS = frozenset({"prior_claim_count"})
"""Model inputs that are traditional rating factors, not telematics."""


def proxy_index(proxies: dict[str, list[Any]]) -> dict[str, tuple[np.ndarray, str]]:
    P = np.column_stack([np.asarray(proxies[c], dtype=np.float64) for c in PROBABILITY_COLUMNS]) \
        if proxies["driver_id"] else np.zeros((0, len(PROBABILITY_COLUMNS)))
    return {d: (P[i], m) for i, (d, m) in enumerate(zip(proxies["driver_id"], proxies["method"], strict=True))}


def state_dummies(states: np.ndarray) -> dict[str, np.ndarray]:
    return {f"state_{s}": (states == s).astype(np.float64) for s in sorted(set(states.tolist()))[1:]}


def tier_ranks(tiers: list[str], config: TenantConfig) -> np.ndarray:
    order = {t.name: i + 1 for i, t in enumerate(config.pricing.tiers)}
    return np.array([order.get(t, len(order) + 1) for t in tiers], dtype=np.float64)


def month_book(scores: dict[str, list[Any]], proxies: dict[str, list[Any]], config: TenantConfig,
               model: RiskModel | None, model_version: str | None) -> Book:
    index = proxy_index(proxies)
    keep = [i for i, d in enumerate(scores["driver_id"]) if d in index]
    P = np.array([index[scores["driver_id"][i]][0] for i in keep]).reshape(len(keep), len(PROBABILITY_COLUMNS))
    methods = Counter(index[scores["driver_id"][i]][1] for i in keep)

    def pick(name: str) -> np.ndarray:
        return np.asarray([scores[name][i] for i in keep], dtype=np.float64)

    multiplier = pick("multiplier")
    states = np.array([scores["state"][i] for i in keep], dtype=object)
    outcomes = [Outcome("multiplier", multiplier), Outcome("surcharged", (multiplier > 1).astype(np.float64),
                                                           binary=True),
                Outcome("tier", tier_ranks([scores["tier"][i] for i in keep], config)),
                Outcome("safety_score", pick("safety_score"), adverse_when="lower")]
    rating = {"prior_claim_count": pick("prior_claim_count"), **state_dummies(states)}
    scored, telematics = None, {}
    if model is not None and keep:
        X = feature_matrix([scores["features"][i] for i in keep], model.feature_names)
        scored = ScoredBook(X, states, model, config)
        telematics = {n: X[:, j] for j, n in enumerate(model.feature_names) if n not in RATING_INPUTS}
    return Book(P, outcomes, len(scores["driver_id"]), dict(methods), rating, telematics, scored, model_version)


def feature_matrix(lines: list[str], names: tuple[str, ...] | list[str]) -> np.ndarray:
    """The stored inputs (JSON objects, null for an input not used) as a matrix in model order."""
    rows = msgspec.json.decode(("[" + ",".join(lines) + "]").encode())
    return pd.DataFrame.from_records(rows, columns=list(names)).astype(np.float64).to_numpy()


QUOTE_CONTROLS = ("age", "years_licensed", "violations", "at_fault_accidents")


def quotes_book(payloads: list[str], proxies: dict[str, list[Any]], config: TenantConfig) -> Book:
    """The latest quote per reference since the date; quotes without a reference or proxy are counted."""
    latest: dict[str, dict[str, Any]] = {}
    for text in payloads:
        payload = msgspec.json.decode(text)
        latest[payload["request"].get("reference") or f"#{len(latest)}"] = payload
    index = proxy_index(proxies)
    keep = [(ref, p) for ref, p in latest.items() if ref in index and p["response"].get("multiplier") is not None]
    P = np.array([index[ref][0] for ref, _ in keep]).reshape(len(keep), len(PROBABILITY_COLUMNS))

    def response(name: str) -> np.ndarray:
        return np.asarray([float(p["response"].get(name) or 0) for _, p in keep], dtype=np.float64)

    multiplier = response("multiplier")
    outcomes = [Outcome("premium", response("premium")), Outcome("multiplier", multiplier),
                Outcome("surcharged", (multiplier > 1).astype(np.float64), binary=True),
                Outcome("tier", tier_ranks([p["response"].get("tier") or "" for _, p in keep], config)),
                Outcome("safety_score", response("safety_score"), adverse_when="lower")]
    primary = [next((d for d in p["request"]["drivers"] if d.get("primary")), p["request"]["drivers"][0])
               for _, p in keep]
    rating = {c: np.asarray([float(d.get(c, 0)) for d in primary]) for c in QUOTE_CONTROLS}
    rating |= state_dummies(np.array([p["request"]["policy"]["state"] for _, p in keep], dtype=object))
    telematics = {k: np.asarray([float((p["request"].get("telematics") or {}).get(k) or 0) for _, p in keep])
                  for k in ("hard_braking_events_per_100mi", "late_night_miles_per_100mi", "speeding_minutes_per_100mi",
                            "miles")}
    methods = Counter(index[ref][1] for ref, _ in keep)
    return Book(P, outcomes, len(latest), dict(methods), rating, telematics)
