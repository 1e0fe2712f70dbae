"""A configuration draft's impact on a 100,000-driver month: the re-map behind ``POST
/v1/config-versions/{id}/test`` (both configurations mapped, bands, tier migration, smoothing,
largest movers) against its floor, one vectorised mapping of the same risks, in one run.

    .venv/bin/python bench/bench_config_impact.py [--drivers 100000]

Target: the whole re-map in ≤ 2 s for 100,000 drivers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from saas.catalog import load_catalog_or_raise
from saas.content.book import remap_book
from saas.scoring.mapping_batch import map_scores_columns
from saas.scoring.model import RiskModel
from saas.settings import load_settings
from saas.tenancy.schemas import TenantConfig


def best(call: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drivers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    settings = load_settings()
    model = RiskModel.load(settings.model_dir)
    current = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir).tenant("partner-a").config
    pricing = current.pricing
    draft = TenantConfig(**{**{f: getattr(current, f) for f in current.__struct_fields__},
                            "pricing": type(pricing)(**{**{f: getattr(pricing, f) for f in pricing.__struct_fields__},
                                                        "max_surcharge": pricing.max_surcharge / 2})})
    rng = np.random.default_rng(11)
    risks = rng.gamma(4.0, model.baseline / 4.0, size=args.drivers)
    drivers = [f"d{i:07d}" for i in range(args.drivers)]
    previous = rng.integers(0, 1001, size=args.drivers)
    has = rng.random(args.drivers) < 0.9

    floor = best(lambda: map_scores_columns(risks, pricing, model), args.repeat)
    whole = best(lambda: remap_book("2026-11", "bench", drivers, risks, previous, has, current, draft, model),
                 args.repeat)
    impact = remap_book("2026-11", "bench", drivers, risks, previous, has, current, draft, model)
    print(f"{args.drivers:,} drivers; the draft halves max_surcharge ({pricing.max_surcharge} → "
          f"{draft.pricing.max_surcharge}): {impact.changed:,} multipliers move, {impact.beyond_10_pct:,} by > 10 %")
    print(f"  one mapping (floor)       {floor:7.3f} s")
    print(f"  the whole re-map          {whole:7.3f} s   {whole / floor:5.2f}x the floor  (target ≤ 2 s)")


if __name__ == "__main__":
    main()
