"""State rulesets as versioned content, owned by the platform (tenant id ``_platform``).

A draft compiles with the DSL's own loader (``saas.rules.service.compile_source``: every problem at
line:col with a caret and a "did you mean"), then is checked against every tenant configuration in
force: a feature the ruleset would forbid that a tenant enables in that state is refused, at draft
and again at deploy, naming the tenant and the configuration path. Its test re-prices the recorded
quotes of every tenant that serves the state, old rules against new, one exhibit per tenant.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from saas.catalog import Catalog
from saas.content.kinds import Parsed
from saas.content.reprice import QuoteImpact, premiums, quote_impact, recorded_quotes
from saas.content.ruleset_diff import RulesetDiff, diff_rulesets, render_text
from saas.errors import ConfigError, ConfigIssue, Conflict, Forbidden
from saas.rules.ruleset import CompiledRuleset
from saas.rules.service import DEFAULT_STATE, compile_source, compose_texts
from saas.tenancy.keys import PLATFORM_TENANT, Principal
from saas.tenancy.service import LoadedTenant
from saas.versioning.models import ContentVersionRow
from saas.versioning.schemas import TestRequest
from saas.yamlio import compose


class RulesetTest(msgspec.Struct, frozen=True):
    state: str
    against: str | None
    tenants: dict[str, QuoteImpact]
    """Per tenant serving the state: its recorded quotes re-priced under the old and new rules."""


def file_of(state: str) -> str:
    return "default.yaml" if state == DEFAULT_STATE else f"{state}.yaml"


class RulesetKind:
    name = "ruleset"
    noun = "ruleset version"
    path = "/v1/ruleset-versions"

    def __init__(self, catalog: Catalog, quotes: Any) -> None:
        self.catalog, self.quotes = catalog, quotes

    async def parse(self, who: Principal, text: str) -> Parsed:
        if who.tenant_id != PLATFORM_TENANT:
            raise Forbidden("state rulesets belong to the platform")
        ruleset = compile_source(text, "ruleset.yaml")
        issues = self._conflicts(ruleset, text)
        if issues:
            raise ConfigError(issues)
        return Parsed(ruleset.content_hash, ruleset.state, text, ruleset)

    def compiled(self, row: ContentVersionRow) -> CompiledRuleset:
        return compile_source(row.content, file_of(row.scope))

    def composed(self, ruleset: CompiledRuleset, text: str) -> dict[str, CompiledRuleset]:
        """The rulesets in force with this one in its place (a new DEFAULT re-composes every state)."""
        return compose_texts({**self.catalog.ruleset_texts, ruleset.state: text})

    def _serving(self, state: str) -> list[LoadedTenant]:
        tenants = self.catalog.tenants.values()
        return [t for t in tenants if state == DEFAULT_STATE or state in t.config.states]

    def _conflicts(self, ruleset: CompiledRuleset, text: str) -> list[ConfigIssue]:
        composed = self.composed(ruleset, text)
        _, smap = compose(text, "ruleset.yaml")
        issues = []
        for tenant in sorted(self._serving(ruleset.state), key=lambda t: t.config.id):
            for state in tenant.config.states:
                forbidden = composed.get(state)
                clash = sorted(set(tenant.config.features_for(state)) & (forbidden.forbidden_features
                                                                         if forbidden else frozenset()))
                if clash and (ruleset.state in (state, DEFAULT_STATE)):
                    where = (f"$.state_overrides.{state}.features_enabled" if state in tenant.config.state_overrides
                             else "$.features_enabled")
                    issues.append(ConfigIssue(
                        f"{state} would forbid {', '.join(clash)}, which tenant '{tenant.config.id}' enables there "
                        f"(its configuration in force, at {where})", smap.location("$.forbidden_features"),
                        "$.forbidden_features", f"the tenant must first deploy a configuration without them ({where})"))
        return issues

    def decode(self, row: ContentVersionRow) -> Any:
        ruleset = self.compiled(row)
        return {"state": ruleset.state, "title": ruleset.title, "rules": [rule.id for rule in ruleset.own_rules],
                "forbidden_features": sorted(ruleset.forbidden_features),
                "forbidden_factors": sorted(ruleset.forbidden_factors)}

    async def on_draft(self, session: AsyncSession, who: Principal, parsed: Parsed) -> None:
        return None  # the composed snapshot a quote pins is stored when it goes live (saas.content.live)

    def check_deploy(self, who: Principal, row: ContentVersionRow) -> None:
        issues = self._conflicts(self.compiled(row), row.content)
        if issues:
            raise Conflict("this ruleset conflicts with configurations in force: "
                           + "; ".join(issue.message for issue in issues))

    async def test(self, session: AsyncSession, who: Principal, row: ContentVersionRow,
                   request: TestRequest) -> RulesetTest:
        ruleset = self.compiled(row)
        after = self.composed(ruleset, row.content)
        states = None if ruleset.state == DEFAULT_STATE else [ruleset.state]
        current = self.catalog.rulesets.get(ruleset.state)
        out: dict[str, QuoteImpact] = {}
        for tenant in sorted(self._serving(ruleset.state), key=lambda t: t.config.id):
            scenarios = await recorded_quotes(session, tenant.config.id, count=request.recent_quotes,
                                              since=request.quotes_since, states=states)
            out[tenant.config.id] = quote_impact(premiums(self.quotes, tenant, scenarios, self.catalog.rulesets),
                                                 premiums(self.quotes, tenant, scenarios, after))
        return RulesetTest(ruleset.state, current.content_hash if current else None, out)

    def diff(self, old: ContentVersionRow, new: ContentVersionRow) -> RulesetDiff:
        return RulesetDiff(old.id, new.id, new.scope, diff_rulesets(self.compiled(old), self.compiled(new)))

    def render_diff(self, diff: RulesetDiff) -> str:
        return render_text(diff)
