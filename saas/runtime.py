"""Everything a process loads once and shares: settings, configuration, model, database, limits.

The API and the in-process job runner both start from ``Runtime.start``; a replica holds no
per-request state beyond this, so any number of them can run behind a load balancer.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field

import msgspec

import saas
from saas.audit.snapshots import put_snapshot
from saas.audit.writer import AuditWriter
from saas.catalog import Catalog, load_catalog_or_raise
from saas.db import Database
from saas.metrics import Metrics
from saas.rules.versions import snapshot_of, version_of
from saas.scoring.model import RiskModel
from saas.settings import ROOT, Settings
from saas.tenancy.ratelimit import TenantRateLimiter
from saas.tenancy.service import canonical


def code_version() -> str:
    """Package version plus the git commit when running from a checkout (pinned in decisions)."""
    try:
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = "nogit"
    return f"{saas.__version__}+{sha}"


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    model: RiskModel
    db: Database
    limiter: TenantRateLimiter
    audit: AuditWriter
    metrics: Metrics = field(default_factory=Metrics)
    code_version: str = field(default_factory=code_version)

    @classmethod
    def load(cls, settings: Settings) -> Runtime:
        """Load configuration and model; raises ConfigError listing every problem."""
        catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
        db = Database(settings.database_url)
        return cls(settings=settings, catalog=catalog, model=RiskModel.load(settings.model_dir), db=db,
                   limiter=TenantRateLimiter(settings.rate_limit_per_minute), audit=AuditWriter(db))

    async def close(self) -> None:
        await self.audit.close()
        await self.db.dispose()

    async def record_snapshots(self) -> None:
        """Store every loaded input by content hash, so any decision made now can be replayed later."""
        async with self.db.session_scope() as session:
            for tenant in self.catalog.tenants.values():
                await put_snapshot(session, "tenant_config", canonical(tenant.config).decode(),
                                   hash=tenant.content_hash, tenant_id=tenant.config.id)
            for ruleset in self.catalog.rulesets.values():
                await put_snapshot(session, "ruleset", snapshot_of(ruleset, self.settings.rulesets_dir),
                                   hash=version_of(ruleset))
            for (tenant_id, _, _), tables in self.catalog.rate_tables.items():
                for table in tables:
                    # the spec as written (decimals keep their exponent), so replay explains identically
                    await put_snapshot(session, "rate_table", msgspec.json.encode(table.spec).decode(),
                                       hash=table.content_hash, tenant_id=tenant_id)
