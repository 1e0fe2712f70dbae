"""Which model scores a tenant: its pinned version (or the platform default), and its shadow.

A new model must not reach every partner at once: a tenant names ``model: <version>`` in its YAML
to pin one (a reviewed change of the file promotes a model) and may name ``shadow_model`` to have
each quote also scored by a candidate, recorded but never priced with. Every pinned model is
loaded from the registry before the process serves, so the quote path never waits on the database.
"""

from __future__ import annotations

from collections.abc import Iterable

from saas.errors import ModelError
from saas.scoring.checks import KNOWN_INPUTS
from saas.scoring.features import feature_set
from saas.scoring.masked import view
from saas.scoring.model import RiskModel
from saas.scoring.registry import ModelRegistry
from saas.tenancy.service import LoadedTenant


def unusable_features(model: RiskModel) -> list[str]:
    """Model inputs no tenant feature group can supply: such a model cannot score a quote."""
    return sorted(set(model.feature_names) - KNOWN_INPUTS)


def warm(model: RiskModel, tenants: Iterable[LoadedTenant]) -> None:
    """Compile the tree kernels and build the marginalised views every (tenant, state) will use."""
    masks = [feature_set(t.config, state).mask(model) for t in tenants for state in t.config.states]
    distinct = {mask.tobytes(): mask for mask in masks}
    X = model.prepare([{}])
    for mask in [None, *distinct.values()]:
        scoring = view(model, mask)
        scoring.score(X)
        scoring.contributions(X)


class TenantModels:
    def __init__(self, default: RiskModel, registry: ModelRegistry | None = None) -> None:
        self.default = default
        self.registry = registry
        if registry is not None:
            registry.keep(default)

    @classmethod
    def of(cls, models: TenantModels | RiskModel) -> TenantModels:
        """A single model serves every tenant (tests, tools); a registry-backed set pins per tenant."""
        return models if isinstance(models, TenantModels) else cls(models)

    async def prepare(self, tenants: Iterable[LoadedTenant], *, warm_up: bool = True) -> None:
        """Load every pinned and shadow model now (NotFound names one that was never registered),
        and build each tenant's scoring views, so no quote pays for a compile or a table build."""
        tenants = list(tenants)
        if warm_up:
            warm(self.default, tenants)
        for tenant in tenants:
            for version in (tenant.config.model, tenant.config.shadow_model):
                if version is not None:
                    if self.registry is None:
                        raise ModelError(f"tenant {tenant.config.id} pins model {version} but there is no registry")
                    model = await self.registry.load(version)
                    if unusable_features(model):
                        raise ModelError(f"tenant {tenant.config.id}: model {version} needs inputs no feature group "
                                         f"supplies: {', '.join(unusable_features(model))}")
                    if warm_up:
                        warm(model, [tenant])

    def live(self, tenant: LoadedTenant) -> RiskModel:
        return self._get(tenant.config.model) if tenant.config.model else self.default

    def shadow(self, tenant: LoadedTenant) -> RiskModel | None:
        return self._get(tenant.config.shadow_model) if tenant.config.shadow_model else None

    def loaded(self, version: str) -> RiskModel:
        """The model of ``version`` if this process holds it (the default, or one pinned and loaded at
        start-up): a monthly run scores every chunk with the version it pinned when it was planned."""
        return self._get(version)

    def _get(self, version: str) -> RiskModel:
        if version == self.default.version:
            return self.default
        model = self.registry.cached(version) if self.registry is not None else None
        if model is None:
            raise ModelError(f"model {version} is not loaded in this process; it is loaded at start-up")
        return model
