"""Environment → settings, read once per process.

Every knob is an environment variable (``SAAS_*``) so API replicas and workers are configured the
same way; defaults give the embedded mode of a fresh clone: a SQLite file, in-process jobs and the
shipped demo tenants.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
SPREAD_ENV = "PREMIUM_SCALING_TARGET_SPREAD"
DEFAULT_CHUNK_DRIVERS = 20_000
"""Drivers per scoring-run chunk. A chunk should be cheap to redo (this is under half a second of
work) yet carry enough work that RQ's own handling of a job (a dozen Redis round trips: ~2 ms idle,
3–4 ms on a loaded 2-core machine) stays under 1 % of a run: measured 1.5–2 % at 5,000 drivers,
1.0–1.2 % at 12,000 and 0.8 % at 20,000 (docs/benchmarks.md)."""


class Settings(msgspec.Struct, frozen=True):
    database_url: str
    redis_url: str | None
    tenants_dir: Path
    rulesets_dir: Path
    model_dir: Path
    max_body_bytes: int
    bulk_max_quotes: int
    rate_limit_per_minute: int
    rate_limit_redis_timeout_s: float = 0.5
    """How long a request waits on the shared limiter's Redis before this replica limits on its own."""
    chunk_drivers: int = DEFAULT_CHUNK_DRIVERS
    """Drivers per scoring-run chunk (one RQ job each)."""
    chunk_timeout_s: int = 30
    """A chunk job's timeout: also how soon a chunk held by a dead worker is noticed and retried."""
    target_spread_override: Decimal | None = None
    """``PREMIUM_SCALING_TARGET_SPREAD``: an operator's override of every tenant's dynamic-scaling spread."""

    @property
    def embedded(self) -> bool:
        """Without Redis, jobs run in-process with the same job functions RQ would run."""
        return self.redis_url is None


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    var = ROOT / "var"
    return Settings(
        database_url=env.get("SAAS_DATABASE_URL", f"sqlite+aiosqlite:///{var / 'saas.db'}"),
        redis_url=env.get("SAAS_REDIS_URL") or None,
        tenants_dir=Path(env.get("SAAS_TENANTS_DIR", ROOT / "tenants")),
        rulesets_dir=Path(env.get("SAAS_RULESETS_DIR", ROOT / "rulesets")),
        model_dir=Path(env.get("SAAS_MODEL_DIR", ROOT / "ml" / "artifacts" / "default")),
        max_body_bytes=int(env.get("SAAS_MAX_BODY_BYTES", 16 * 1024 * 1024)),
        bulk_max_quotes=int(env.get("SAAS_BULK_MAX_QUOTES", 10_000)),
        rate_limit_per_minute=int(env.get("SAAS_RATE_LIMIT_PER_MINUTE", 600_000)),
        rate_limit_redis_timeout_s=float(env.get("SAAS_RATE_LIMIT_REDIS_TIMEOUT_S", 0.5)),
        chunk_drivers=int(env.get("SAAS_CHUNK_DRIVERS", DEFAULT_CHUNK_DRIVERS)),
        chunk_timeout_s=int(env.get("SAAS_CHUNK_TIMEOUT_S", 30)),
        target_spread_override=_decimal(env, SPREAD_ENV),
    )


def _decimal(env: dict[str, str], name: str) -> Decimal | None:
    text = env.get(name)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name}={text!r} is not a decimal number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name}={text!r} must be a finite number >= 0")
    return value
