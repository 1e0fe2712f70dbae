"""Assembly: build every service a process needs from settings, once, and hand each its parts.

Only the app factory, the CLI and job entry points use this module; services receive their
database, configuration, rate source, model and decision log explicitly, so a worker can build
just what it needs. A replica holds no per-request state beyond this, so any number of them can
run behind a load balancer.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field

import saas
from saas.audit.decisions import DecisionLog
from saas.audit.snapshots import put_snapshot
from saas.catalog import Catalog, load_catalog_or_raise
from saas.compliance import versions
from saas.compliance.bundle import BundleMaker
from saas.compliance.recorder import Notices, WebhookQueue
from saas.compliance.service import ComplianceService
from saas.compliance.tiers import TierNotices
from saas.content.imports import import_files
from saas.content.parts import Content
from saas.db import Database
from saas.fairness.service import FairnessService
from saas.metrics import Metrics
from saas.rates.imports import import_tables
from saas.rates.service import RateVersions
from saas.rates.source import DeployedRates
from saas.rating.quoting import QuoteService
from saas.rating.replay import QuoteReplayer
from saas.rating.sources import FileRateSource
from saas.rules.versions import snapshot_of, version_of
from saas.scoring.model import RiskModel
from saas.scoring.registry import ModelRegistry
from saas.scoring.replay import RiskScoreReplayer
from saas.scoring.selection import TenantModels
from saas.scoring.service import RiskScoreService
from saas.settings import ROOT, Settings
from saas.tenancy.ratelimit import RateLimiter, TenantRateLimiter
from saas.tenancy.service import canonical_config
from saas.trips import jobs
from saas.trips.dispatch import RQDispatcher, ThreadDispatcher
from saas.trips.service import TripService

log = logging.getLogger("saas.runtime")


def code_version() -> str:
    """Package version plus the git commit when running from a checkout (pinned in decisions)."""
    try:
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = "nogit"
    return f"{saas.__version__}+{sha}"


def rate_limiter(settings: Settings) -> RateLimiter:
    """One quota per tenant across replicas when Redis is configured; per process when embedded."""
    if settings.redis_url:
        from saas.tenancy.shared_limit import SharedRateLimiter

        return SharedRateLimiter(settings.redis_url, settings.rate_limit_per_minute,
                                 timeout_s=settings.rate_limit_redis_timeout_s)
    return TenantRateLimiter(settings.rate_limit_per_minute)


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    model: RiskModel
    models: TenantModels
    db: Database
    rates: DeployedRates
    decisions: DecisionLog
    quotes: QuoteService
    risk_scores: RiskScoreService
    rate_versions: RateVersions
    content: Content
    """Configuration and ruleset versions, and the live content this process serves."""
    limiter: RateLimiter
    metrics: Metrics = field(default_factory=Metrics)
    trips: TripService | None = None
    """Drivers, trips and monthly scoring runs (None in a runtime assembled for quotes only)."""
    compliance: ComplianceService | None = None
    """Adverse-action notices, their register and the compliance bundle."""
    fairness: FairnessService | None = None
    """BISG proxies, fairness reports and the deploy gate (None in a runtime assembled for quotes only)."""
    code_version: str = ""

    @classmethod
    def load(cls, settings: Settings) -> Runtime:
        """Load configuration and model and wire the services; raises ConfigError listing every problem."""
        catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
        db = Database(settings.database_url)
        model = RiskModel.load(settings.model_dir)
        registry = ModelRegistry(db, ROOT / "var" / "models")
        models = TenantModels(model, registry)
        rates = DeployedRates(db)
        version = code_version()
        decisions = DecisionLog(db)
        decisions.register("quote", QuoteReplayer(model, registry))
        decisions.register("risk_score", RiskScoreReplayer(model, registry))
        spread = settings.target_spread_override
        quotes = QuoteService(catalog, rates, models, decisions, code_version=version, spread_override=spread,
                              adverse=Notices())
        risk_scores = RiskScoreService(catalog, models, decisions, spread_override=spread)
        fairness = FairnessService(db, decisions, catalog, models)
        content = Content.assemble(decisions, catalog, quotes, models, fairness)
        dispatcher = install_jobs(settings, catalog, models, content)
        decisions.on_append(WebhookQueue(catalog, dispatcher.deliver))
        trips = TripService(db, decisions, catalog, models, dispatcher, chunk_drivers=settings.chunk_drivers)
        in_force = {"tenant-configs": versions.tenant_configs, "rulesets": versions.rulesets(catalog)}
        bundles = BundleMaker(db, decisions, models, settings.model_dir, versions=in_force, fairness=fairness)
        return cls(settings=settings, catalog=catalog, model=model, models=models, db=db, rates=rates,
                   decisions=decisions, quotes=quotes, risk_scores=risk_scores,
                   rate_versions=RateVersions(decisions, rates, quotes, fairness),
                   content=content,
                   limiter=rate_limiter(settings), trips=trips, fairness=fairness, code_version=version,
                   compliance=ComplianceService(db, catalog, bundles))

    async def start(self, *, watch: bool = True, warm_up: bool = True) -> None:
        """Before serving: snapshot the loaded inputs, import the shipped rate tables as first
        versions (once), load the deployed versions and keep them fresh (``watch``). ``warm_up``
        compiles the tree kernels and builds every tenant's scoring views now (servers); a one-off
        CLI command skips it and builds only the views it uses."""
        await self.limiter.warm()
        await self.record_snapshots()
        if self.models.registry is not None:  # the serving model is registered, so replay finds it forever
            await self.models.registry.register(self.settings.model_dir)
        await self.models.prepare(self.catalog.tenants.values(), warm_up=warm_up)
        await import_tables(self.decisions, FileRateSource(self.catalog.rate_tables).tables())
        await import_files(self.decisions, self.catalog, self.tenant_texts())
        await self.content.live.reload()
        await self.rates.reload()
        if watch:
            self.rates.watch()
            self.content.live.watch()
        if watch and self.trips is not None:  # a server: hand back what an in-process queue lost
            resumed = await self.trips.resume(self.catalog.tenants.values())
            if resumed.chunks or resumed.closed or resumed.deliveries:
                log.info("resumed %d chunks, closed %d runs, re-sent %d deliveries", resumed.chunks,
                         resumed.closed, resumed.deliveries)

    async def close(self) -> None:
        close_limiter = getattr(self.limiter, "close", None)
        if close_limiter is not None:
            await close_limiter()
        await self.rates.close()
        await self.content.live.close()
        await self.decisions.close()
        await self.db.dispose()

    def tenant_texts(self) -> dict[str, str]:
        """The shipped tenant files as written (comments included): what the first versions show."""
        return {tenant_id: (self.settings.tenants_dir / f"{tenant_id}.yaml").read_text(encoding="utf-8")
                for tenant_id in self.catalog.tenants
                if (self.settings.tenants_dir / f"{tenant_id}.yaml").is_file()}

    async def record_snapshots(self) -> None:
        """Store tenant configs and rulesets by content hash, so any decision made now can be replayed
        later (rate versions are stored by the rates feature when drafted or imported)."""
        async with self.db.session_scope() as session:
            for tenant in self.catalog.tenants.values():
                await put_snapshot(session, "tenant_config", canonical_config(tenant.config).decode(),
                                   hash=tenant.content_hash, tenant_id=tenant.config.id)
            for ruleset in self.catalog.rulesets.values():
                await put_snapshot(session, "ruleset", snapshot_of(ruleset, self.settings.rulesets_dir),
                                   hash=version_of(ruleset))


def install_jobs(settings: Settings, catalog: Catalog, models: TenantModels,
                 content: Content | None = None) -> jobs.Dispatcher:
    """The process's job dispatcher (RQ with ``SAAS_REDIS_URL``, else a background thread) and the
    context jobs run with: each job thread gets its own database engine and decision log."""
    dispatcher: jobs.Dispatcher = (RQDispatcher(settings.redis_url, chunk_timeout_s=settings.chunk_timeout_s)
                                   if settings.redis_url else ThreadDispatcher())

    def context() -> jobs.JobContext:
        db = Database(settings.database_url)
        refresh = content.live.refresh if content is not None and settings.redis_url else None
        decisions = DecisionLog(db)
        decisions.on_append(WebhookQueue(catalog, dispatcher.deliver))
        return jobs.JobContext(db=db, decisions=decisions, tenants=catalog, models=models, dispatcher=dispatcher,
                               spread_override=settings.target_spread_override, chunk_drivers=settings.chunk_drivers,
                               refresh=refresh, adverse=TierNotices())

    jobs.install(context)
    if isinstance(dispatcher, ThreadDispatcher):
        dispatcher.context = context
    return dispatcher
