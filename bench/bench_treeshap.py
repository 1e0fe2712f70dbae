"""Our TreeSHAP (saas.scoring.treeshap) against xgboost's pred_contribs on the shipped model, in one run.

    .venv/bin/python bench/bench_treeshap.py

Both on one thread, on already-transformed rows (xgboost's time includes building its DMatrix, which
every call needs). Batch: 10,000 rows, 3 alternating runs, best time each. Single row: p50 of many calls.
Also: load and numba compile costs, agreement with xgboost, and a marginalised call (one feature not
allowed). Targets: ≥ 10× xgboost for 10,000 rows, one row ≤ 0.1 ms with contributions.

Masked margins (monthly scoring: every row under a mask without one or two inputs): 100,000 rows through
``predict_margin`` (the margin-only kernels) against the contribution kernels' margin (``_kernel`` with
``contribs=False``, what ``predict_margin`` ran before), 3 alternating runs, best each, and whether the
two are the same bit for bit; and one row, p50.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np
import xgboost as xgb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from ml.synth import FEATURE_COLUMNS, synthesize
from saas.scoring.model import RiskModel
from saas.scoring.treeshap import TreeEnsemble
from saas.settings import load_settings


def once(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1e3


def p50(call: Callable[[], object], repeat: int) -> float:
    for _ in range(min(50, repeat)):
        call()
    return float(np.median([once(call) for _ in range(repeat)]))


def main() -> None:
    print(describe())
    model = RiskModel.load(load_settings().model_dir)
    booster = model.booster  # one thread (SERVING_THREADS)
    names = list(model.feature_names)
    print(f"model {model.version}: {booster.num_boosted_rounds()} trees, {len(names)} features; "
          f"xgboost {xgb.__version__}, numba {numba.__version__}")
    X = synthesize(10_000, seed=5)[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    Z = model.transform(X)
    Z[::17, 3] = np.nan  # default directions too

    load = once(lambda: TreeEnsemble.from_booster(booster))
    ours = TreeEnsemble.from_booster(booster)
    compile_margin, compile_rows, compile_blocks = (once(lambda: ours.predict_margin(Z[:1])),
                                                    once(lambda: ours.contributions(Z[:1])),
                                                    once(lambda: ours.contributions(Z[:8])))
    tables = len(ours._all.table) * 8 / 1e6
    print(f"\nload (parse, paths, tables {tables:.1f} MB): {load:.0f} ms; numba compile on first use: "
          f"margin {compile_margin:.0f} ms, one-row kernel {compile_rows:.0f} ms, batch kernel {compile_blocks:.0f} ms")

    def theirs(rows: np.ndarray) -> np.ndarray:
        return np.asarray(booster.predict(xgb.DMatrix(rows, feature_names=names, nthread=1), pred_contribs=True))

    diff = np.abs(ours.contributions(Z) - theirs(Z)).max()
    exact = np.array_equal(ours.predict_margin(Z), booster.inplace_predict(Z))
    print(f"max |ours - xgboost| over 10,000 rows: {diff:.1e}; margins bit-identical: {exact}")

    ours_ms, theirs_ms = [], []
    for _ in range(3):
        ours_ms.append(once(lambda: ours.contributions(Z)))
        theirs_ms.append(once(lambda: theirs(Z)))
    best_ours, best_theirs = min(ours_ms), min(theirs_ms)
    ratios = np.array(theirs_ms) / np.array(ours_ms)
    print(f"\n10,000 rows, one thread (3 alternating runs, best each)\n"
          f"  xgboost DMatrix + pred_contribs   {best_theirs:9.1f} ms\n"
          f"  TreeEnsemble.contributions        {best_ours:9.1f} ms   {best_theirs / best_ours:5.1f}x faster "
          f"(median of pairs {np.median(ratios):.1f}x; target >= 10x)")

    z1 = Z[:1]
    print("\none row (p50)")
    rows = [("xgboost inplace_predict", p50(lambda: booster.inplace_predict(z1), 2000)),
            ("xgboost DMatrix + pred_contribs", p50(lambda: theirs(z1), 1000)),
            ("TreeEnsemble.predict_margin", p50(lambda: ours.predict_margin(z1), 5000)),
            ("TreeEnsemble.contributions", p50(lambda: ours.contributions(z1), 3000))]
    for name, ms in rows:
        print(f"  {name:<34}{ms:9.4f} ms")
    print(f"  contributions: {rows[1][1] / rows[3][1]:.1f}x faster than xgboost (target <= 0.1 ms)")

    allowed = np.ones(len(names), dtype=np.bool_)
    allowed[names.index("prior_claim_count")] = False
    build = once(lambda: ours.contributions(z1, allowed))
    print(f"\nprior_claim_count not allowed: first call (builds the mask's tables) {build:.1f} ms, then "
          f"10,000 rows {min(once(lambda: ours.contributions(Z, allowed)) for _ in range(3)):.1f} ms, "
          f"one row p50 {p50(lambda: ours.contributions(z1, allowed), 3000):.4f} ms, "
          f"margin only one row p50 {p50(lambda: ours.predict_margin(z1, allowed), 3000):.4f} ms")
    masked_margins(model, ours, names)


def masked_margins(model: RiskModel, ours: TreeEnsemble, names: list[str]) -> None:
    X = synthesize(100_000, seed=6)[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    Z = model.transform(X)
    Z[::17, 3] = np.nan
    rows = ours.trees.rows(Z)
    print("\nmasked margins, 100,000 rows, one thread (3 alternating runs, best each)\n"
          "  not allowed                                  before (ms)    now (ms)   speed-up  same bits")
    for off in (["prior_claim_count"], ["speeding_minutes_per_100mi"], ["speeding_minutes_per_100mi", "miles"],
                [n for n in names if n != "miles"]):
        allowed = np.ones(len(names), dtype=np.bool_)
        allowed[[names.index(n) for n in off]] = False
        tables = ours._tables(allowed)
        ours.predict_margin(Z[:100], allowed)  # the mask's plan and tables, the kernels compiled
        before, now = [], []
        for _ in range(3):
            before.append(once(functools.partial(ours._kernel, rows, tables, contribs=False)))
            now.append(once(functools.partial(ours.predict_margin, Z, allowed)))
        same = ours._kernel(rows, tables, contribs=False)[1].tobytes() == ours.predict_margin(Z, allowed).tobytes()
        label = ", ".join(off) if len(off) <= 2 else "all but miles"
        print(f"  {label:<44}{min(before):11.1f} {min(now):11.1f} {min(before) / min(now):9.1f}x  {same}")
    z1, rows1 = Z[:1], rows[:1]
    allowed = np.ones(len(names), dtype=np.bool_)
    allowed[names.index("speeding_minutes_per_100mi")] = False
    tables = ours._tables(allowed)
    before_1 = p50(lambda: ours._kernel(rows1, tables, contribs=False), 3000)
    now_1 = p50(lambda: ours.predict_margin(z1, allowed), 3000)
    print(f"  one row (p50, speeding not allowed): before {before_1:.4f} ms, now {now_1:.4f} ms "
          f"({before_1 / now_1:.1f}x)")


if __name__ == "__main__":
    main()
