"""The model registry: every model version's JSON artifacts, stored in the database by version.

A decision pins the model version it was scored with, and a regulator may ask years later how a
policy was priced; only the model in ``SAAS_MODEL_DIR`` could be loaded before, so an upgrade broke
every older replay. Now each version's artifact files live in the content-addressed snapshot
table (kind ``model``, shared by all tenants), written by ``saas ml register DIR`` and at start-up
for the serving model. Loading a version writes its files to a local cache directory and loads
them with the same code as any model directory, after checking they hash to the version asked
for: today's version (``ml.artifacts.model_version``) or, for a bundle registered before 2026-12,
the legacy one that also hashed ``metrics.json`` and that its decisions pin. Loaded models are
kept per process in a small LRU, since replays cluster by version.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Final

import msgspec
from sqlalchemy import select

from ml import artifacts
from saas.audit.models import Snapshot
from saas.audit.snapshots import put_snapshot
from saas.db import Database
from saas.errors import ModelError, NotFound
from saas.scoring.model import RiskModel

CACHED_MODELS = 8
"""Loaded models kept per process (a booster is a few MB; replays of a month hit one or two)."""
KIND: Final = "model"


class ModelBundle(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A version's artifact files by name, as text (they are JSON: no pickle anywhere)."""

    version: str
    files: dict[str, str]


class ModelInfo(msgspec.Struct, frozen=True):
    version: str
    objective: str
    features: list[str]
    registered_at: str


def bundle_of(directory: Path) -> ModelBundle:
    if not artifacts.artifacts_present(directory):
        raise ModelError(f"no model artifacts in {directory}")
    names = [*artifacts.ARTIFACT_FILES,
             *([artifacts.CALIBRATION_FILE] if (directory / artifacts.CALIBRATION_FILE).exists() else [])]
    files = {name: (directory / name).read_text(encoding="utf-8") for name in names}
    return ModelBundle(artifacts.model_version(directory), files)


class ModelRegistry:
    def __init__(self, db: Database, cache_dir: Path | None = None) -> None:
        self.db = db
        self.cache_dir = cache_dir or Path(tempfile.gettempdir()) / "saas-models"
        self._loaded: OrderedDict[str, RiskModel] = OrderedDict()
        self._lock = threading.Lock()

    async def register(self, directory: Path) -> str:
        """Store a model directory's artifacts under its version; registering again is a no-op."""
        if not artifacts.artifacts_present(directory):
            raise ModelError(f"no model artifacts in {directory}")
        version = artifacts.model_version(directory)
        if not await self.exists(version):  # every process registers its model at start: read, don't resend
            bundle = bundle_of(directory)
            async with self.db.session_scope() as session:
                await put_snapshot(session, KIND, msgspec.json.encode(bundle).decode(), hash=bundle.version)
        self.keep(RiskModel.load(directory))
        return version

    def keep(self, model: RiskModel) -> None:
        """Serve an already loaded model from the cache (the process's serving model)."""
        with self._lock:
            self._loaded[model.version] = model
            self._loaded.move_to_end(model.version)
            while len(self._loaded) > CACHED_MODELS:
                self._loaded.popitem(last=False)

    def cached(self, version: str) -> RiskModel | None:
        with self._lock:
            model = self._loaded.get(version)
            if model is not None:
                self._loaded.move_to_end(version)
            return model

    async def load(self, version: str) -> RiskModel:
        """The model of ``version`` from the registry; NotFound when it was never registered."""
        model = self.cached(version)
        if model is not None:
            return model
        bundle = await self._bundle(version)
        directory = self.cache_dir / version
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in bundle.files.items():
            (directory / name).write_text(text, encoding="utf-8")
        if version not in artifacts.version_ids(directory):
            raise ModelError(f"registered artifacts of model {version} do not hash to their version")
        model = RiskModel(directory, version)  # a legacy id stays the model's name: replays compare it
        self.keep(model)
        return model

    async def _bundle(self, version: str) -> ModelBundle:
        async with self.db.sessions() as session:
            stmt = select(Snapshot.content).where(Snapshot.kind == KIND, Snapshot.hash == version,
                                                  Snapshot.tenant_id.is_(None))
            content = (await session.execute(stmt)).scalar_one_or_none()
        if content is None:
            raise NotFound(f"model {version} is not registered (saas ml register DIR)")
        return msgspec.json.decode(content, type=ModelBundle)

    async def versions(self) -> list[ModelInfo]:
        async with self.db.sessions() as session:
            stmt = select(Snapshot.hash, Snapshot.content, Snapshot.created_at).where(
                Snapshot.kind == KIND, Snapshot.tenant_id.is_(None)).order_by(Snapshot.created_at.desc())
            rows = (await session.execute(stmt)).all()
        return [_info(msgspec.json.decode(content, type=ModelBundle), at) for _, content, at in rows]

    async def exists(self, version: str) -> bool:
        async with self.db.sessions() as session:
            stmt = select(Snapshot.hash).where(Snapshot.kind == KIND, Snapshot.hash == version,
                                               Snapshot.tenant_id.is_(None))
            return (await session.execute(stmt)).scalar_one_or_none() is not None


def _info(bundle: ModelBundle, at: str) -> ModelInfo:
    meta = msgspec.json.decode(bundle.files[artifacts.META_FILE])
    pre = msgspec.json.decode(bundle.files[artifacts.PREPROCESS_FILE])
    return ModelInfo(bundle.version, str(meta.get("objective", "")), list(pre.get("feature_names", [])), at)
