"""``saas ml …``: train, report on and monitor the shared model from the terminal.

``register`` adds the subcommands to the ``saas`` parser; each sets ``run`` so the main
command dispatches without knowing them. Training refuses to overwrite existing artifacts unless
``--force-retrain`` is given, so a shipped model is never replaced by accident.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from saas.settings import load_settings

if TYPE_CHECKING:
    import pandas as pd

OBJECTIVES = ("reg:squarederror", "count:poisson")
TARGET_COLUMN = "target_risk"
"""The synthetic generator's label (``ml.synth.TARGET_COLUMN``), named here so that building the
``saas`` parser imports neither numpy nor pandas: every command handler imports what it uses."""
SYNTHETIC_ROWS = 20_000
"""Rows of the shipped default model: ml/artifacts/default is ``saas ml train --force-retrain``."""


def register(subparsers: argparse._SubParsersAction) -> None:
    ml = subparsers.add_parser("ml", help="train, report on and check drift of the shared risk model")
    sub = ml.add_subparsers(dest="ml_command", required=True)
    train = sub.add_parser("train", help="train a model and write its JSON artifacts")
    train.add_argument("--data", type=Path, help="CSV to train on (default: the v3 synthetic generator)")
    train.add_argument("--objective", choices=OBJECTIVES, default="reg:squarederror")
    train.add_argument("--exposure-col", default="Exposure", help="exposure column (count:poisson)")
    train.add_argument("--target-col", help=f"label column (default {TARGET_COLUMN} / ClaimNb)")
    train.add_argument("--model-dir", type=Path, help="artifact directory (default SAAS_MODEL_DIR)")
    train.add_argument("--force-retrain", action="store_true", help="overwrite existing artifacts")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--rows", type=int, help=f"synthetic rows (default {SYNTHETIC_ROWS}), or first rows of --data")
    train.set_defaults(run=run_train)
    report = sub.add_parser("report", help="print a model's version, distribution stats and metrics")
    report.add_argument("--model-dir", type=Path)
    report.set_defaults(run=run_report)
    drift = sub.add_parser("drift", help="population stability of a CSV against the training data")
    drift.add_argument("--data", type=Path, required=True)
    drift.add_argument("--model-dir", type=Path)
    drift.set_defaults(run=run_drift)


def model_dir(args: argparse.Namespace) -> Path:
    return Path(args.model_dir) if args.model_dir else load_settings().model_dir


def load_frame(args: argparse.Namespace) -> pd.DataFrame:
    import pandas as pd

    from ml.synth import synthesize

    if args.data is None:
        rows = args.rows or SYNTHETIC_ROWS
        print(f"synthesizing {rows} rows (v3 generator, seed {args.seed})")
        return synthesize(rows, seed=args.seed)
    return pd.read_csv(args.data, nrows=args.rows)


def run_train(args: argparse.Namespace) -> int:
    from ml import artifacts
    from ml.frequency import train_frequency_model
    from ml.train import train_risk_model

    directory = model_dir(args)
    if artifacts.artifacts_present(directory) and not args.force_retrain:
        print(f"artifacts already in {directory} (version {artifacts.model_version(directory)}); "
              "use --force-retrain to rebuild")
        return 0
    frame = load_frame(args)
    if args.objective == "count:poisson":
        train_frequency_model(frame, directory, target_column=args.target_col or "ClaimNb",
                              exposure_column=args.exposure_col, seed=args.seed)
    else:
        train_risk_model(frame, directory, seed=args.seed, target_column=args.target_col or TARGET_COLUMN)
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
    return 0


def run_drift(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from saas.scoring.drift import drift_report
    from saas.scoring.model import RiskModel

    model = RiskModel.load(model_dir(args))
    frame = pd.read_csv(args.data)
    X = np.column_stack([frame[n].to_numpy(np.float64) if n in frame else np.full(len(frame), np.nan)
                         for n in model.feature_names])
    report = drift_report(model, X)
    print(f"drift of {report.rows} rows against model {report.model_version}")
    for var in [report.score, *report.features]:
        print(f"  {var.name:<38} PSI {var.psi:8.4f}  {var.status:<12} missing {var.missing_share:.1%}")
    return 0 if report.worst.status != "significant" else 1
