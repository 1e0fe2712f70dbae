"""Rating engine speed: per-quote latency of ``rate`` next to decoding the same quote from JSON.

Run: ``.venv/bin/python bench/rating_engine.py [N]``. Prints p50/p99 of one ``rate`` call (single
driver without rules; three drivers with state rules and forbidden factors), the same figures for
``msgspec`` decoding the quote's JSON body (a cost every API call pays anyway), their ratio measured
in this run, and the time to load and compile every shipped rate table. The budget is 0.1 ms per
quote for the engine, inside the API's 0.5 ms in-process target.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import msgspec

from saas.quote.schemas import Quote
from saas.rating.engine import TelematicsInput, rate
from saas.rating.lookups import RateTable
from saas.rating.tables import load_rate_tables, table_in_effect
from saas.rules.schemas import Adjustment, Evaluation
from saas.tenancy.schemas import TenantConfig

ROOT = Path(__file__).resolve().parent.parent




TENANT = msgspec.convert({
    "id": "partner-a", "name": "Partner A", "states": ["CA", "NY", "TX"], "features_enabled": ["behavioral"],
    "pricing": {"target_spread": "0.30", "max_discount": "0.25", "max_surcharge": "0.40", "minimum_premium": "300",
                "rounding_unit": "0.01", "tiers": [{"name": "A", "up_to_percentile": "100", "label": "All"}]},
}, TenantConfig, strict=False)
RULES = Evaluation([
    Adjustment("behaviour-not-a-factor", "limit", factor="telematics", min=Decimal(1), max=Decimal(1),
               explain="verified mileage only", cite="Cal. Ins. Code §1861.02"),
    Adjustment("good-driver", "multiply", value=Decimal("0.80"), explain="Good driver discount", cite="prop103"),
    Adjustment("policy-fee", "add", value=Decimal("25"), explain="Policy fee"),
])


def random_body(rng: random.Random, drivers: int) -> bytes:
    return msgspec.json.encode({
        "policy": {"state": "CA", "zip_code": rng.choice(["90210", "90012", "94103", "93001"]),
                   "effective_date": "2026-06-01", "coverage_level": rng.choice(["basic", "standard", "premium"])},
        "vehicle": {"model_year": rng.randint(2005, 2026), "theft_risk": rng.choice(["low", "medium", "high"]),
                    "annual_mileage": rng.randint(2_000, 30_000)},
        "drivers": [{"age": rng.randint(17, 85), "years_licensed": rng.randint(0, 40),
                     "violations": rng.randint(0, 3), "credit_tier": "good"} for _ in range(drivers)],
        "coverages": {"pip": rng.random() < 0.5},
    })


def time_decode(bodies: list[bytes]) -> list[float]:
    out = []
    for body in bodies:
        start = time.perf_counter_ns()
        msgspec.json.decode(body, type=Quote)
        out.append((time.perf_counter_ns() - start) / 1000)
    return sorted(out)


def time_rate(quotes: list[Quote], table: RateTable, rules: Evaluation | None, banned: frozenset[str]) -> list[float]:
    tele = TelematicsInput(Decimal("0.92"), "Risk score below baseline: multiplier 0.92")
    out = []
    for quote in quotes:
        start = time.perf_counter_ns()
        rate(quote, tenant=TENANT, table=table, rules=rules, forbidden_factors=banned, telematics=tele)
        out.append((time.perf_counter_ns() - start) / 1000)
    return sorted(out)


def pct(sorted_us: list[float], q: float) -> float:
    return sorted_us[min(len(sorted_us) - 1, int(q * len(sorted_us)))]


def main(n: int) -> None:
    start = time.perf_counter()
    tables, issues = load_rate_tables(ROOT / "tenants")
    load_ms = (time.perf_counter() - start) * 1000
    assert not issues, issues
    table = table_in_effect(tables, "partner-a", "CA", "auto", dt.date(2026, 6, 1))
    rng = random.Random(7)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}")
    print(f"load + compile {sum(len(v) for v in tables.values())} shipped rate tables: {load_ms:.1f} ms")
    scenarios = (("1 driver, no rules", 1, None, frozenset[str]()),
                 ("3 drivers, 3 rules, 2 forbidden", 3, RULES, frozenset({"gender", "credit"})))
    for label, drivers, rules, banned in scenarios:
        bodies = [random_body(rng, drivers) for _ in range(n)]
        decode = time_decode(bodies)
        engine = time_rate([msgspec.json.decode(body, type=Quote) for body in bodies], table, rules, banned)
        print(f"{label:34s} rate p50 {pct(engine, 0.5):6.1f} us  p99 {pct(engine, 0.99):6.1f} us | "
              f"JSON decode p50 {pct(decode, 0.5):5.1f} us | rate/decode p50 ratio "
              f"{pct(engine, 0.5) / pct(decode, 0.5):4.1f} | p50 vs 100 us budget {pct(engine, 0.5) / 100:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
