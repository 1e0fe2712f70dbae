"""Serving cost of the shipped model against raw xgboost calls on the same rows, in one run.

    .venv/bin/python bench/bench_serving.py

Batch: RiskModel.score + RiskModel.contributions (imputation, scaling, TreeSHAP) vs
booster.inplace_predict + booster.predict(pred_contribs=True) on already-preprocessed rows, both with
one xgboost thread (the serving setting, see saas.scoring.model.SERVING_THREADS).
Single row: p50/p99 of score alone and of score + contributions, each beside its raw baseline,
and of explain_batch (the call the rating engine makes). Targets: batch ≤ 1.2× raw, score
≤ 0.3 ms p50, score + contributions ≤ 2 ms p50.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xgboost as xgb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from ml.synth import FEATURE_COLUMNS, synthesize
from saas.scoring.explain import explain_batch
from saas.scoring.model import RiskModel
from saas.settings import load_settings


def timings(call: Callable[[], object], repeat: int) -> np.ndarray:
    for _ in range(min(50, repeat)):
        call()
    out = np.empty(repeat)
    for i in range(repeat):
        t = time.perf_counter()
        call()
        out[i] = time.perf_counter() - t
    return out * 1e3


def paired(ours: Callable[[], object], raw: Callable[[], object], repeat: int = 9) -> tuple[float, float, float]:
    """Alternate the two calls so a change in machine load hits both: best times and median ratio."""
    a, b = np.empty(repeat), np.empty(repeat)
    for i in range(repeat):
        a[i], b[i] = timings(ours, 1)[0], timings(raw, 1)[0]
    return float(a.min()), float(b.min()), float(np.median(a / b))


def line(name: str, ms: np.ndarray, target: str = "") -> None:
    print(f"  {name:<44} p50 {np.median(ms):7.3f} ms   p99 {np.percentile(ms, 99):7.3f} ms  {target}")


def main() -> None:
    print(describe())
    model = RiskModel.load(load_settings().model_dir)
    booster = model.booster
    print(f"model {model.version}: {booster.num_boosted_rounds()} trees, {len(model.feature_names)} features, "
          f"xgboost {xgb.__version__}")
    X = synthesize(2_000, seed=5)[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    Z = model.transform(X)
    names = list(model.feature_names)

    ours, raw, ratio = paired(lambda: (model.score(X), model.contributions(X)),
                              lambda: (booster.inplace_predict(Z),
                                       booster.predict(xgb.DMatrix(Z, feature_names=names, nthread=1),
                                                       pred_contribs=True)))
    explained = float(np.min(timings(lambda: explain_batch(model, X), 3)))
    print(f"\nbatch of {len(X)} rows (9 alternating runs, best time each)")
    print(f"  {'raw xgboost inplace_predict + pred_contribs':<46}{raw:9.2f} ms")
    print(f"  {'RiskModel.score + contributions':<46}{ours:9.2f} ms   overhead {ours / raw:.3f}x best, "
          f"{ratio:.3f}x median of pairs (target <= 1.2x)")
    per_row = explained / len(X) * 1e3
    print(f"  {'explain_batch (sentences and top lists)':<46}{explained:9.2f} ms   {per_row:.1f} µs/row")

    x1, z1 = X[:1], Z[:1]
    print("\nsingle row (2000 calls each)")
    line("raw booster.inplace_predict", timings(lambda: booster.inplace_predict(z1), 2000))
    line("RiskModel.score", timings(lambda: model.score(x1), 2000), "(target p50 <= 0.3 ms)")
    line("raw inplace_predict + DMatrix pred_contribs", timings(
        lambda: (booster.inplace_predict(z1),
                 booster.predict(xgb.DMatrix(z1, feature_names=names, nthread=1), pred_contribs=True)), 1000))
    line("RiskModel.score + contributions", timings(lambda: (model.score(x1), model.contributions(x1)), 1000),
         "(target p50 <= 2 ms)")
    line("explain_batch (one row)", timings(lambda: explain_batch(model, x1), 1000))


if __name__ == "__main__":
    main()
