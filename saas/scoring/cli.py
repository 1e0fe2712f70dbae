"""``saas ml register|list|show``: the model registry from the terminal.

Registering a model directory stores its JSON artifacts in the database under its version, so
any replica can load it and any decision scored with it replays after later upgrades.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from saas.settings import load_settings

T = TypeVar("T")


def register(ml: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = ml.add_parser("register", help="store a model directory's artifacts in the registry")
    add.add_argument("directory", type=Path)
    add.set_defaults(run=_register)
    ml.add_parser("list", help="registered model versions, newest first").set_defaults(run=_list)
    show = ml.add_parser("show", help="one registered version: objective, features, metrics")
    show.add_argument("version")
    show.set_defaults(run=_show)


def _with_registry(work: Callable[..., Awaitable[T]]) -> T:
    from saas.db import Database
    from saas.scoring.registry import ModelRegistry

    async def run() -> T:
        db = Database(load_settings().database_url)
        try:
            return await work(ModelRegistry(db))
        finally:
            await db.dispose()

    return asyncio.run(run())


def _register(args: argparse.Namespace) -> int:
    version = _with_registry(lambda registry: registry.register(args.directory))
    print(f"registered model {version} from {args.directory}")
    return 0


def register_directory(directory: Path) -> None:
    """After training: register the new model, or say why not without failing the training."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        version = _with_registry(lambda registry: registry.register(directory))
    except (OSError, SQLAlchemyError) as exc:
        print(f"note: model not registered ({type(exc).__name__}: {exc}); run saas db upgrade, "
              f"then saas ml register {directory}")
        return
    print(f"registered model {version} in the model registry")


def _list(_args: argparse.Namespace) -> int:
    for info in _with_registry(lambda registry: registry.versions()):
        print(f"{info.version}  {info.objective:<18}  {info.registered_at}  {', '.join(info.features)}")
    return 0


def _show(args: argparse.Namespace) -> int:
    import json

    from ml import artifacts

    model = _with_registry(lambda registry: registry.load(args.version))
    print(f"model {model.version}: {model.objective}, baseline risk {model.baseline:.4f}")
    print(f"features: {', '.join(model.feature_names)}")
    print(json.dumps(artifacts.read_metrics(model.directory), indent=2, sort_keys=True))
    return 0
