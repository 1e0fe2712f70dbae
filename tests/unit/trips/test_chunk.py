"""The pure part of a chunk: credibility shrinkage, feature permissions by state, no-trip drivers."""

from __future__ import annotations

from collections import namedtuple
from decimal import Decimal

import numpy as np
import pytest

from saas.catalog import load_catalog_or_raise
from saas.scoring.model import RiskModel
from saas.settings import load_settings
from saas.trips.chunk import score_drivers, shrunk_features

pytestmark = pytest.mark.unit
Row = namedtuple("Row", "driver_id state prior_claim_count trips miles driving_seconds "
                        "hard_braking_events_per_100mi aggressive_turning_events_per_100mi "
                        "speeding_minutes_per_100mi late_night_miles_per_100mi tailgating_time_ratio")


def test_shrinkage_uses_z_m_over_m_plus_k_towards_the_cohort_mean() -> None:
    columns = {"miles": np.array([100.0, 900.0, 0.0]), "driving_seconds": np.array([3600.0, 3600.0, 0.0]),
               "hard_braking_events_per_100mi": np.array([10.0, 10.0, np.nan])}
    for name in ("aggressive_turning_events_per_100mi", "speeding_minutes_per_100mi", "late_night_miles_per_100mi",
                 "tailgating_time_ratio"):
        columns[name] = np.array([1.0, 1.0, np.nan])
    structure = {"hard_braking_events_per_100mi": {"k": 100.0, "mean": 2.0}}
    out = shrunk_features(columns, structure)
    # Z = 100 / 200 = 0.5 and 900 / 1000 = 0.9; no miles: no own rate, stays missing (imputed)
    np.testing.assert_allclose(out["hard_braking_events_per_100mi"][:2], [6.0, 9.2])
    assert np.isnan(out["hard_braking_events_per_100mi"][2])
    np.testing.assert_array_equal(out["speeding_minutes_per_100mi"], columns["speeding_minutes_per_100mi"])


def test_state_permissions_no_trip_drivers_and_smoothing() -> None:
    settings = load_settings()
    tenant = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir).tenant("partner-a")
    model = RiskModel.load(settings.model_dir)
    rows = [Row("a", "CA", 0, 3, 300.0, 36000.0, 9.0, 5.0, 20.0, 4.0, 0.3),
            Row("b", "TX", 0, 3, 300.0, 36000.0, 9.0, 5.0, 20.0, 4.0, 0.3),
            Row("c", "TX", 1, 0, 0.0, 0.0, None, None, None, None, None),
            Row("d", "FL", 0, 2, 100.0, 3600.0, 1.0, 1.0, 1.0, 1.0, 0.1)]
    columns = {name: [getattr(r, name) for r in rows] for name in Row._fields}
    result = score_drivers(columns, {"b": (900, "earlier-tier")}, tenant, model, period="2026-10", structure={},
                           explain=True)
    assert result.unscored == ["c", "d"]  # no trips; FL is not one of partner-a's states
    by_id = {r["driver_id"]: r for r in result.scores.rows("2026-10")}
    assert list(by_id) == ["a", "b"]
    assert result.tier_changes == (1, [("b", "earlier-tier", by_id["b"]["tier"])])  # "a" has no last month
    import json

    ca, tx = json.loads(by_id["a"]["features"]), json.loads(by_id["b"]["features"])
    assert ca["hard_braking_events_per_100mi"] is None and ca["miles"] == 300.0  # CA: mileage only, as quotes
    assert tx["hard_braking_events_per_100mi"] == 9.0 and tx["miles"] is None  # TX: no mileage group
    assert by_id["b"]["safety_score"] == (Decimal("0.6") * Decimal("90.0")
                                          + Decimal("0.4") * by_id["b"]["safety_score_month"]).quantize(Decimal("0.1"))
    assert by_id["a"]["safety_score"] == by_id["a"]["safety_score_month"]  # first month: nothing to smooth
    assert 1 <= len(json.loads(by_id["b"]["coaching"])) <= 3
