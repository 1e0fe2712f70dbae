"""The loaded configuration of the whole platform: tenants, state rulesets and the rate table files.

Loaded once per process (API replica or worker) and shared read-only by every request, so the
hot quote path does no file I/O or parsing. Quotes find their rate tables through a rate source
(``saas.rating.sources``) built from ``rate_tables`` at assembly, never through the catalog.
``saas check`` uses the same loader, so what the check accepts is exactly what the API would serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from saas.errors import ConfigError, ConfigIssue, Conflict, Location, NotFound, RatingError
from saas.rating.lookups import RateTable
from saas.rating.tables import load_rate_tables
from saas.rules.service import DEFAULT_STATE, CompiledRuleset, load_rulesets
from saas.tenancy.service import LoadedTenant, load_tenants

RateKey = tuple[str, str, str]


@dataclass
class Catalog:
    """What every request reads. ``swap`` replaces the tenants and rulesets at once (a reference
    assignment each): the live content (``saas.content.live``) swaps in the deployed versions, so a
    request sees either the old or the new configuration, never a mix within one lookup."""

    tenants: dict[str, LoadedTenant]
    rulesets: dict[str, CompiledRuleset]
    rate_tables: dict[RateKey, list[RateTable]] = field(default_factory=dict)
    ruleset_texts: dict[str, str] = field(default_factory=dict)
    """Each ruleset's own text by state (DEFAULT included): what replay snapshots and a new ruleset
    version is composed with."""
    registered: frozenset[str] = frozenset()
    """Tenants in the register without a configuration in force yet (onboarding): a 409, not a 404."""
    generation: int = -1
    """The content generation the swapped-in versions were read at (-1: the files, nothing swapped yet)."""

    def swap(self, tenants: dict[str, LoadedTenant], rulesets: dict[str, CompiledRuleset], texts: dict[str, str],
             generation: int, registered: frozenset[str] = frozenset()) -> None:
        self.tenants, self.rulesets, self.ruleset_texts = tenants, rulesets, texts
        self.registered, self.generation = registered, generation

    def tenant(self, tenant_id: str) -> LoadedTenant:
        try:
            return self.tenants[tenant_id]
        except KeyError:
            if tenant_id in self.registered:
                raise Conflict(f"tenant '{tenant_id}' has no deployed configuration yet: draft, test, approve and "
                               "deploy one (POST /v1/config-versions) before quoting") from None
            raise NotFound(f"unknown tenant '{tenant_id}'") from None

    def ruleset(self, tenant: LoadedTenant, state: str) -> CompiledRuleset:
        """The ruleset for a state the tenant serves; other states are a rating error, not a 500."""
        if state not in tenant.config.states:
            served = ", ".join(tenant.config.states)
            raise RatingError(f"tenant does not write policies in {state} (serves {served})",
                              path="$.policy.state")
        try:
            return self.rulesets[state]
        except KeyError:
            raise Conflict(f"no ruleset is deployed for {state}; the platform must deploy one before "
                           f"{tenant.config.id} can quote there") from None


def load_catalog(tenants_dir: Path, rulesets_dir: Path) -> tuple[Catalog, list[ConfigIssue]]:
    """Load everything and return every problem found; a caller decides whether issues are fatal."""
    rulesets, issues = load_rulesets(rulesets_dir)
    tenants, tenant_issues = load_tenants(tenants_dir, rulesets)
    tables, table_issues = load_rate_tables(tenants_dir)
    issues += tenant_issues + table_issues
    issues += _missing_tables(tenants, tables)
    texts = {state: Path(ruleset_path(rulesets_dir, state)).read_text(encoding="utf-8") for state in rulesets}
    return Catalog(tenants, rulesets, tables, texts), issues


def ruleset_path(directory: Path, state: str) -> Path:
    return directory / ("default.yaml" if state == DEFAULT_STATE else f"{state}.yaml")


def load_catalog_or_raise(tenants_dir: Path, rulesets_dir: Path) -> Catalog:
    catalog, issues = load_catalog(tenants_dir, rulesets_dir)
    if issues:
        raise ConfigError(issues)
    return catalog


def _missing_tables(tenants: dict[str, LoadedTenant], tables: dict[RateKey, list[RateTable]]) -> list[ConfigIssue]:
    issues = []
    for tenant in tenants.values():
        for state in tenant.config.states:
            if (tenant.config.id, state, "auto") not in tables:
                expected = Path(tenant.source).parent / tenant.config.id / "rates" / f"{state}-auto.yaml"
                issues.append(ConfigIssue(
                    f"tenant '{tenant.config.id}' serves {state} but has no auto rate table",
                    Location(tenant.source, 1, 1), "$.states", f"add {expected}"))
    return issues
