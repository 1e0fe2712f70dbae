"""The tenant configuration as versioned content: a partner admin's ``tenants/<id>.yaml``.

A draft is checked by ``saas.tenancy.service.parse_tenant``, the loader behind ``saas check``,
against the rulesets in force, so an upload is accepted exactly when the same file would pass the
check; then the checks a file cannot make alone: the ``id`` is the caller's tenant and a pinned
model is registered. Its id is the hash of the decoded config, which every quote already pins.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.audit.snapshots import put_snapshot
from saas.catalog import Catalog
from saas.content.book import BookImpact, remap_book
from saas.content.book_source import last_book
from saas.content.config_diff import ConfigDiff, diff_configs, render_text
from saas.content.kinds import Parsed
from saas.content.reprice import QuoteImpact, premiums, quote_impact, recorded_quotes
from saas.content.rescore import rescore, scores_differently, stored_inputs
from saas.errors import ConfigError, ConfigIssue, Conflict, ModelError
from saas.rates.impact import ScenarioError
from saas.rating.quoting import QuoteService
from saas.scoring.mapping_batch import map_scores_columns
from saas.scoring.model import RiskModel
from saas.scoring.selection import TenantModels
from saas.tenancy.keys import Principal
from saas.tenancy.schemas import TenantConfig
from saas.tenancy.service import LoadedTenant, canonical_config, parse_tenant
from saas.versioning.gate import FairnessGate, subject
from saas.versioning.models import ContentVersionRow
from saas.versioning.schemas import TestRequest

UPLOAD = "config.yaml"
"""How errors name an uploaded text (its lines and columns are the upload's own)."""


class ConfigTest(msgspec.Struct, frozen=True, omit_defaults=True):
    """The draft against the configuration in force, on the tenant's own book."""

    against: str | None
    drivers: BookImpact | None
    quotes: QuoteImpact
    notes: list[str] = []


class ConfigKind:
    name = "tenant_config"
    noun = "configuration version"
    path = "/v1/config-versions"

    def __init__(self, catalog: Catalog, quotes: QuoteService, models: TenantModels,
                 fairness: FairnessGate | None = None) -> None:
        self.catalog, self.quotes, self.models, self.fairness = catalog, quotes, models, fairness

    async def parse(self, who: Principal, text: str) -> Parsed:
        loaded, smap, issues = parse_tenant(text, UPLOAD, self.catalog.rulesets)
        if loaded is None or smap is None:
            raise ConfigError(issues)
        config = loaded.config
        if config.id != who.tenant_id:
            raise ConfigError([ConfigIssue(f"this is the configuration of '{config.id}'; a key of '{who.tenant_id}' "
                                           "can only draft its own", smap.location("$.id"), "$.id",
                                           f"id: {who.tenant_id}")])
        for field in ("model", "shadow_model"):
            version = getattr(config, field)
            if version is not None and not await self._registered(version):
                raise ConfigError([ConfigIssue(f"model {version} is not registered", smap.location(f"$.{field}"),
                                               f"$.{field}", "see `saas ml list` for the registered versions")])
        return Parsed(loaded.content_hash, "", canonical_config(config).decode(), loaded)

    async def _registered(self, version: str) -> bool:
        if version == self.models.default.version:
            return True
        return self.models.registry is not None and await self.models.registry.exists(version)

    def decode(self, row: ContentVersionRow) -> Any:
        return msgspec.json.decode(row.content)

    def loaded(self, row: ContentVersionRow) -> LoadedTenant:
        return LoadedTenant(msgspec.json.decode(row.content, type=TenantConfig), row.id, f"version:{row.id}")

    async def on_draft(self, session: AsyncSession, who: Principal, parsed: Parsed) -> None:
        await put_snapshot(session, "tenant_config", parsed.content, hash=parsed.id, tenant_id=who.tenant_id)

    def check_deploy(self, who: Principal, row: ContentVersionRow) -> None:
        """The rulesets in force may have changed since the draft: check again, naming each problem."""
        _, _, issues = parse_tenant(row.source_text, UPLOAD, self.catalog.rulesets)
        if issues:
            raise Conflict("this configuration conflicts with the rulesets in force: "
                           + "; ".join(f"{i.message} (at {i.path})" for i in issues))

    async def test(self, session: AsyncSession, who: Principal, row: ContentVersionRow,
                   request: TestRequest) -> ConfigTest:
        draft, notes = self.loaded(row), []
        current = self.catalog.tenants.get(who.tenant_id)
        if current is None:
            return ConfigTest(None, None, QuoteImpact(0, note="nothing is deployed yet: the whole book is new"),
                              ["no configuration is in force yet, so there is nothing to compare with"])
        try:
            await self.models.prepare([draft], warm_up=False)
        except ModelError as exc:
            raise Conflict(exc.detail) from None
        book = await last_book(session, who.tenant_id)
        drivers, rescored = None, None
        if book is None:
            notes.append("no completed monthly run yet: no drivers to re-map")
        else:
            model = self.models.loaded(book.run.model_version)
            rescored = await self._rescored(session, who.tenant_id, book, current, draft, notes)
            drivers = remap_book(book.run.period, book.run.id, book.drivers, book.risks, book.previous_tenths,
                                 book.has_previous, current.config, draft.config, model, rescored)
        scenarios = await recorded_quotes(session, who.tenant_id, count=request.recent_quotes,
                                          since=request.quotes_since)
        old = premiums(self.quotes, current, scenarios, self.catalog.rulesets)
        new = premiums(self.quotes, draft, scenarios, self.catalog.rulesets)
        if self.fairness is not None:
            before, after = self._book_outcomes(book, current, draft, rescored) if book is not None else ({}, {})
            before["premium"], after["premium"] = (_by_reference(scenarios, prices) for prices in (old, new))
            notes += await self._fairness(session, who, row, before, after)
        return ConfigTest(current.content_hash, drivers, quote_impact(old, new), notes)

    async def _rescored(self, session: AsyncSession, tenant_id: str, book: Any, current: LoadedTenant,
                        draft: LoadedTenant, notes: list[str]) -> tuple[Any, RiskModel] | None:
        """The draft's own risk scores when it changes the model or a state's feature groups."""
        model = self.models.live(draft)
        if not scores_differently(current, self.models.live(current).version, draft, model.version):
            return None
        drivers, states, inputs = await stored_inputs(session, tenant_id, book.run.period)
        if drivers != book.drivers:
            return None
        notes.append(f"drivers re-scored with model {model.version} and the draft's feature groups, from the "
                     "inputs the run stored (a newly enabled group stays marginalised out: the run did not keep it)")
        return rescore(inputs, states, draft, model), model

    def _book_outcomes(self, book: Any, current: LoadedTenant, draft: LoadedTenant,
                       rescored: tuple[Any, RiskModel] | None
                       ) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
        """The last run's drivers mapped both ways (the draft's side re-scored when it scores differently):
        multiplier and this month's safety score."""
        model = self.models.loaded(book.run.model_version)
        sides = []
        for tenant in (current, draft):
            risks, scoring = rescored if (tenant is draft and rescored) else (book.risks, model)
            mapped = map_scores_columns(risks, tenant.config.pricing, scoring)
            sides.append({"multiplier": dict(zip(book.drivers, (mapped.multiplier_micros / 1e6).tolist(), strict=True)),
                          "safety_score": dict(zip(book.drivers, (mapped.safety_tenths / 10).tolist(), strict=True))})
        return sides[0], sides[1]

    async def _fairness(self, session: AsyncSession, who: Principal, row: ContentVersionRow,
                        before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> list[str]:
        """Outcomes before and after through the fairness gate; a note when the change waits for a
        compliance sign-off."""
        assert self.fairness is not None
        result = await self.fairness.gate(who.tenant_id, before, after)
        if result is None:
            return []
        await self.fairness.record_gate(session, who, subject(self.name, row.id), result)
        if not result.blocked:
            return []
        return [f"fairness: {len(result.changes)} flag(s) crossed or widened; deploying needs a compliance "
                f"sign-off (GET {self.path}/{row.id}/fairness)"]

    def diff(self, old: ContentVersionRow, new: ContentVersionRow) -> ConfigDiff:
        return ConfigDiff(old.id, new.id, diff_configs(self.loaded(old).config, self.loaded(new).config))

    def render_diff(self, diff: ConfigDiff) -> str:
        return render_text(diff)


def _by_reference(scenarios: list[tuple[str, Any]], prices: dict[str, Any]) -> dict[str, float]:
    """Recorded quotes' premiums by the quote's ``reference`` (the partner's driver id), where priced:
    floats on purpose, as outcomes for the fairness gate's regressions, never shown or summed as money."""
    return {quote.reference: float(prices[key]) for key, quote in scenarios
            if quote.reference and key in prices and not isinstance(prices[key], ScenarioError)}
