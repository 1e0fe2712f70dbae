"""``saas ml predict|report|drift``: the commands that read a trained model back.

They go through the serving code (``saas.scoring.model.RiskModel``: the same preparation, category
codes, imputation and scaling as a quote), so a file scored here scores as the API would score it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ml.cli_tables import add_table_options, load_frame, model_dir

if TYPE_CHECKING:  # numpy, pandas and xgboost are imported by the handlers: the parser stays light
    import numpy as np
    import pandas as pd

    from saas.scoring.model import RiskModel

PREDICTION_COLUMNS = {"count:poisson": "frequency", "reg:gamma": "severity", "reg:squarederror": "risk"}


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="a model's version, distribution stats and metrics; with "
                                           "--severity-model-dir, the pure premium on held-out rows")
    report.add_argument("--model-dir", type=Path, help="the model, or the frequency model of a pair")
    report.add_argument("--severity-model-dir", type=Path, help="reg:gamma model: report frequency × severity")
    add_table_options(report)
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
    per unit of exposure, severity or risk) and the margin (its log for the log-link objectives)."""
    import pandas as pd

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
    from ml import artifacts

    directory = model_dir(args)
    meta, metrics = artifacts.read_meta(directory), artifacts.read_metrics(directory)
    s = meta.dist_stats
    print(f"model {directory}\n  version {artifacts.model_version(directory)}  objective {meta.objective}")
    print(f"  features {', '.join(meta.feature_names)}")
    print(f"  baseline {meta.baseline_risk:.6f}  p5 {s.pred_p5:.6f}  p50 {s.pred_p50:.6f}  "
          f"p95 {s.pred_p95:.6f}  std {s.pred_std:.6f}  (training rows {meta.training_rows})")
    for key, value in metrics.items():
        print(f"  {key}: {value}")
    return report_premium(args, directory) if args.severity_model_dir else 0


def report_premium(args: argparse.Namespace, frequency_dir: Path) -> int:
    from ml.data import holdout_split
    from ml.premium import premium_report
    from saas.scoring.model import RiskModel

    if args.data is None:
        print("--severity-model-dir needs --data (and --claims unless the amounts are in it)")
        return 2
    frame = load_frame(args)
    _, held_out = holdout_split(len(frame), args.test_rows, args.seed)
    frequency, severity = RiskModel.load(frequency_dir), RiskModel.load(args.severity_model_dir)
    rows = frame.iloc[held_out]
    print(f"pure premium = frequency × severity (model {severity.version}) on {len(rows)} held-out policies")
    for name, amount in (("frequency × severity", severity), ("frequency × flat severity", severity.baseline)):
        r = premium_report(frequency, amount, rows, amount_column=args.amount_col, exposure_column=args.exposure_col)
        print(f"  {name:<26} actual {r.actual:.2f}  expected {r.expected:.2f}  A/E {r.actual / r.expected:.4f}  "
              f"gini {r.gini:.4f}\n  {'':<26} A/E by decile of pure premium {r.actual_to_expected}")
    return 0


def run_drift(args: argparse.Namespace) -> int:
    import pandas as pd

    from saas.scoring.drift import drift_report
    from saas.scoring.model import RiskModel

    model = RiskModel.load(model_dir(args))
    report = drift_report(model, table_matrix(model, pd.read_csv(args.data)))
    print(f"drift of {report.rows} rows against model {report.model_version}")
    for var in [report.score, *report.features]:
        print(f"  {var.name:<38} PSI {var.psi:8.4f}  {var.status:<12} missing {var.missing_share:.1%}")
    return 0 if report.worst.status != "significant" else 1
