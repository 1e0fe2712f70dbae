"""The loaded configuration of the whole platform: tenants, state rulesets and the rate table files.

Loaded once per process (API replica or worker) and shared read-only by every request, so the
hot quote path does no file I/O or parsing. Quotes find their rate tables through a rate source
(``saas.rating.sources``) built from ``rate_tables`` at assembly, never through the catalog.
``saas check`` uses the same loader, so what the check accepts is exactly what the API would serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from saas.errors import ConfigError, ConfigIssue, Location, NotFound, RatingError
from saas.rating.lookups import RateTable
from saas.rating.tables import load_rate_tables
from saas.rules.service import CompiledRuleset, load_rulesets
from saas.tenancy.service import LoadedTenant, load_tenants

RateKey = tuple[str, str, str]


@dataclass(frozen=True)
class Catalog:
    tenants: dict[str, LoadedTenant]
    rulesets: dict[str, CompiledRuleset]
    rate_tables: dict[RateKey, list[RateTable]] = field(default_factory=dict)

    def tenant(self, tenant_id: str) -> LoadedTenant:
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise NotFound(f"unknown tenant '{tenant_id}'") from None

    def ruleset(self, tenant: LoadedTenant, state: str) -> CompiledRuleset:
        """The ruleset for a state the tenant serves; other states are a rating error, not a 500."""
        if state not in tenant.config.states:
            served = ", ".join(tenant.config.states)
            raise RatingError(f"tenant does not write policies in {state} (serves {served})",
                              path="$.policy.state")
        return self.rulesets[state]


def load_catalog(tenants_dir: Path, rulesets_dir: Path) -> tuple[Catalog, list[ConfigIssue]]:
    """Load everything and return every problem found; a caller decides whether issues are fatal."""
    rulesets, issues = load_rulesets(rulesets_dir)
    tenants, tenant_issues = load_tenants(tenants_dir, rulesets)
    tables, table_issues = load_rate_tables(tenants_dir)
    issues += tenant_issues + table_issues
    issues += _missing_tables(tenants, tables)
    return Catalog(tenants, rulesets, tables), issues


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
