"""``saas ml predict|report|drift``: the commands that read a trained model back.

They go through the serving code (``saas.scoring.model.RiskModel``: the same preparation, category
codes, imputation and scaling as a quote), so a file scored here scores as the API would score it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ml import artifacts
from ml.cli_tables import model_dir

if TYPE_CHECKING:
    from saas.scoring.model import RiskModel

PREDICTION_COLUMNS = {"count:poisson": "frequency", "reg:squarederror": "risk"}


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="print a model's version, distribution stats and metrics")
    report.add_argument("--model-dir", type=Path)
    report.set_defaults(run=run_report)
    predict = sub.add_parser("predict", help="score a CSV with the serving code")
    predict.add_argument("--model-dir", type=Path)
    predict.add_argument("--data", type=Path, required=True)
    predict.add_argument("--out", type=Path, required=True)
    predict.add_argument("--keep", action="append", default=[], metavar="COL", help="input column to copy; repeatable")
    predict.set_defaults(run=run_predict)
    drift = sub.add_parser("drift", help="population stability of a CSV against the training data")
    drift.add_argument("--data", type=Path, required=True)
    drift.add_argument("--model-dir", type=Path)
    drift.set_defaults(run=run_drift)


def table_matrix(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    """The serving matrix of a whole table (columns the model does not know are ignored)."""
    return model.prepare_columns({c: frame[c].to_numpy() for c in frame.columns}, len(frame))


def run_predict(args: argparse.Namespace) -> int:
    """One row out per row in: the kept columns, the prediction (named after the objective: frequency
    per unit of exposure, or risk) and the margin (its log for count:poisson)."""
    from saas.scoring.model import RiskModel

    model = RiskModel.load(model_dir(args))
    frame = pd.read_csv(args.data)
    X = table_matrix(model, frame)
    out = frame[args.keep].copy()
    out[PREDICTION_COLUMNS.get(model.objective, "prediction")] = model.score(X)
    out["margin"] = model.margin(X)
    out.to_csv(args.out, index=False)
    print(f"scored {len(out)} rows with model {model.version} ({model.objective}) into {args.out}")
    return 0


def run_report(args: argparse.Namespace) -> int:

    directory = model_dir(args)
    meta, metrics = artifacts.read_meta(directory), artifacts.read_metrics(directory)
    s = meta.dist_stats
    print(f"model {directory}\n  version {artifacts.model_version(directory)}  objective {meta.objective}")
    print(f"  features {', '.join(meta.feature_names)}")
    print(f"  baseline {meta.baseline_risk:.6f}  p5 {s.pred_p5:.6f}  p50 {s.pred_p50:.6f}  "
          f"p95 {s.pred_p95:.6f}  std {s.pred_std:.6f}  (training rows {meta.training_rows})")
    for key, value in metrics.items():
        print(f"  {key}: {value}")
    return 0


def run_drift(args: argparse.Namespace) -> int:
    from saas.scoring.drift import drift_report
    from saas.scoring.model import RiskModel

    model = RiskModel.load(model_dir(args))
    report = drift_report(model, table_matrix(model, pd.read_csv(args.data)))
    print(f"drift of {report.rows} rows against model {report.model_version}")
    for var in [report.score, *report.features]:
        print(f"  {var.name:<38} PSI {var.psi:8.4f}  {var.status:<12} missing {var.missing_share:.1%}")
    return 0 if report.worst.status != "significant" else 1
