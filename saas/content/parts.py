"""The content feature as the app factory and the CLI hand it out: both kinds' services, the live
content of this process, and onboarding. Built once per process by the assembly (``saas.runtime``)."""

from __future__ import annotations

from dataclasses import dataclass

from saas.audit.decisions import DecisionLog
from saas.catalog import Catalog
from saas.content.configs import ConfigKind
from saas.content.live import LiveContent
from saas.content.rulesets import RulesetKind
from saas.content.service import ContentVersions
from saas.content.tenants import CreateTenant, TenantCreated, create_tenant
from saas.rating.quoting import QuoteService
from saas.scoring.selection import TenantModels
from saas.tenancy.keys import Principal
from saas.versioning.gate import FairnessGate


@dataclass
class Content:
    configs: ContentVersions
    rulesets: ContentVersions
    live: LiveContent
    decisions: DecisionLog

    @classmethod
    def assemble(cls, decisions: DecisionLog, catalog: Catalog, quotes: QuoteService, models: TenantModels,
                 fairness: FairnessGate | None = None) -> Content:
        """``fairness``: the gate a configuration's test reports to and its deploy asks (rulesets are
        the platform's, tested against configurations, not a tenant's book: no gate)."""
        live = LiveContent(decisions.db, catalog, models)
        return cls(configs=ContentVersions(decisions, ConfigKind(catalog, quotes, models, fairness), live.reload,
                                           fairness),
                   rulesets=ContentVersions(decisions, RulesetKind(catalog, quotes), live.reload),
                   live=live, decisions=decisions)

    async def create_tenant(self, who: Principal, request: CreateTenant) -> TenantCreated:
        created = await create_tenant(self.decisions, who, request)
        await self.live.reload()
        return created
