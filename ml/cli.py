"""``saas ml …``: train, score with, report on and monitor the shared model from the terminal.

``register`` adds the subcommands to the ``saas`` parser; each sets ``run`` so the main
command dispatches without knowing them. Training refuses to overwrite existing artifacts unless
``--force-retrain`` is given, so a shipped model is never replaced by accident. Data options are
generic (caps, held-out row positions, a claims file, parameters): no data set is special.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ml import cli_scoring
from ml.cli_tables import FRESH_ROWS, add_table_options, load_frame, model_dir

TARGET_COLUMN = "target_risk"
"""The synthetic generator's label (``ml.synth.TARGET_COLUMN``), named here so that building the
``saas`` parser imports neither numpy nor pandas: every command handler imports what it uses."""

OBJECTIVES = ("reg:squarederror", "count:poisson", "reg:gamma")
DEFAULT_TARGETS = {"reg:squarederror": TARGET_COLUMN, "count:poisson": "ClaimNb", "reg:gamma": "ClaimNb"}


def parse_param(text: str) -> tuple[str, int | float | str]:
    """``KEY=VALUE`` for xgboost: an integer, else a float, else the text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    for convert in (int, float):
        try:
            return key, convert(value)
        except ValueError:
            pass
    return key, value


def register(subparsers: argparse._SubParsersAction) -> None:
    ml = subparsers.add_parser("ml", help="train, score with, report on and check drift of the shared risk model")
    sub = ml.add_subparsers(dest="ml_command", required=True)
    train = sub.add_parser("train", help="train a model and write its JSON artifacts")
    add_table_options(train)
    train.add_argument("--objective", choices=OBJECTIVES, default="reg:squarederror")
    train.add_argument("--target-col", help=f"label: the risk (default {TARGET_COLUMN}), or the claim count "
                                            "(count:poisson; reg:gamma's weight; default ClaimNb)")
    train.add_argument("--exclude", action="append", default=[], metavar="COL", help="column not to use; repeatable")
    train.add_argument("--param", type=parse_param, action="append", default=[], metavar="KEY=VALUE",
                       help="xgboost parameter over the objective's defaults; repeatable")
    train.add_argument("--search", type=int, default=0, metavar="N",
                       help="count:poisson: random-search N parameter sets on a tuning slice of the learning rows")
    train.add_argument("--fresh-rows", type=int, metavar="N",
                       help=f"synthetic: also judge the model on N new generator rows (default {FRESH_ROWS}; 0: no)")
    train.add_argument("--model-dir", type=Path, help="artifact directory (default SAAS_MODEL_DIR)")
    train.add_argument("--force-retrain", action="store_true", help="overwrite existing artifacts")
    train.add_argument("--no-register", dest="register", action="store_false",
                       help="do not store the trained model in the registry (SAAS_DATABASE_URL)")
    train.set_defaults(run=run_train)
    cli_scoring.register(sub)
    from saas.scoring import cli as registry_cli

    registry_cli.register(sub)
    from saas.lifecycle import cli as lifecycle_cli

    lifecycle_cli.register(sub)


def run_train(args: argparse.Namespace) -> int:
    from ml import artifacts
    from ml.frequency import train_frequency_model
    from ml.severity import train_severity_model
    from ml.train import train_risk_model

    directory = model_dir(args)
    if artifacts.artifacts_present(directory) and not args.force_retrain:
        print(f"artifacts already in {directory} (version {artifacts.model_version(directory)}); "
              "use --force-retrain to rebuild")
        return 0
    args.target_col = args.target_col or DEFAULT_TARGETS[args.objective]
    frame, params = load_frame(args), dict(args.param)
    if args.objective == "count:poisson":
        train_frequency_model(frame, directory, target_column=args.target_col, exposure_column=args.exposure_col,
                              seed=args.seed, params=params, test_rows=args.test_rows, search_trials=args.search,
                              exclude=[args.amount_col, *args.exclude])
    elif args.objective == "reg:gamma":
        train_severity_model(frame, directory, amount_column=args.amount_col, count_column=args.target_col,
                             seed=args.seed, params=params, test_rows=args.test_rows,
                             exclude=[args.exposure_col, *args.exclude])
    else:
        fresh_rows = args.fresh_rows if args.fresh_rows is not None else FRESH_ROWS if args.data is None else 0
        train_risk_model(frame, directory, seed=args.seed, target_column=args.target_col, params=params or None,
                         fresh_rows=fresh_rows)
    if args.register:
        from saas.scoring.cli import register_directory

        register_directory(directory)
    return 0
