"""Loading tenant configuration files and checking them against the rulesets.

A partner admin's mistake must surface in ``saas check`` (in their own CI), not in a live quote:
every file is loaded, every problem of every file is collected with its location, and the checks
that span files (a served state without a ruleset, a feature the state forbids) run here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import msgspec

from saas import canonical
from saas.errors import ConfigError, ConfigIssue
from saas.tenancy.schemas import TenantConfig
from saas.yamlio import SourceMap, compose, decode, load_file


class RulesetFacts(Protocol):
    """What tenant checks need to know of a compiled ruleset."""

    forbidden_features: frozenset[str]


class LoadedTenant(msgspec.Struct, frozen=True):
    """A validated tenant config, its content hash (pinned in every decision) and its source."""

    config: TenantConfig
    content_hash: str
    source: str


def content_hash(config: TenantConfig) -> str:
    """Hash of the decoded config, so reformatting the YAML or reordering keys keeps the hash."""
    return canonical.content_hash(config)


def canonical_config(config: TenantConfig) -> bytes:
    """The bytes ``content_hash`` hashes: what a snapshot stores, so replay restores this very config."""
    return canonical.canonical_json(config)


def tenant_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_tenants(
    directory: Path, rulesets: Mapping[str, RulesetFacts] | None = None
) -> tuple[dict[str, LoadedTenant], list[ConfigIssue]]:
    """Load every ``<id>.yaml`` in ``directory``; with ``rulesets`` also run the cross-file checks."""
    tenants: dict[str, LoadedTenant] = {}
    issues: list[ConfigIssue] = []
    for path in tenant_files(directory):
        config, smap, file_issues = load_file(path, TenantConfig)
        issues.extend(file_issues)
        if config is None or smap is None:
            continue
        checks = _file_name_issues(path, config, smap)
        if rulesets is not None:
            checks += ruleset_issues(config, smap, rulesets)
        issues.extend(checks)
        if not checks and not file_issues:
            tenants[config.id] = LoadedTenant(config, content_hash(config), str(path))
    return tenants, issues


def parse_tenant(text: str, file: str, rulesets: Mapping[str, RulesetFacts] | None = None
                 ) -> tuple[LoadedTenant | None, SourceMap | None, list[ConfigIssue]]:
    """One configuration's text (an upload, or a file's): exactly the checks ``load_tenants`` runs on
    a file, but the file-name rule, so an uploaded draft is accepted exactly when ``saas check``
    would accept the same file. Raises nothing for bad input: the issues say what is wrong."""
    try:
        data, smap = compose(text, file)
    except ConfigError as exc:
        return None, None, exc.issues
    if data is None:
        return None, smap, [ConfigIssue("file is empty", smap.at(1, 1))]
    config, issues = decode(data, smap, TenantConfig)
    if config is None:
        return None, smap, issues
    if rulesets is not None:
        issues += ruleset_issues(config, smap, rulesets)
    if issues:
        return None, smap, issues
    return LoadedTenant(config, content_hash(config), file), smap, []


def _file_name_issues(path: Path, config: TenantConfig, smap: SourceMap) -> list[ConfigIssue]:
    if path.stem == config.id:
        return []
    return [ConfigIssue(f"tenant id '{config.id}' does not match the file name '{path.name}'",
                        smap.location("$.id"), "$.id", f"rename the file to {config.id}.yaml")]


def ruleset_issues(
    config: TenantConfig, smap: SourceMap, rulesets: Mapping[str, RulesetFacts]
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for index, state in enumerate(config.states):
        path = f"$.states[{index}]"
        ruleset = rulesets.get(state)
        if ruleset is None:
            issues.append(ConfigIssue(f"state {state} has no ruleset (expected rulesets/{state}.yaml)",
                                      smap.location(path), path))
            continue
        forbidden = sorted(set(config.features_for(state)) & ruleset.forbidden_features)
        if forbidden:
            where = (f"$.state_overrides.{state}.features_enabled" if state in config.state_overrides
                     else "$.features_enabled")
            issues.append(ConfigIssue(
                f"{state} forbids rating on telematics feature(s) {', '.join(forbidden)}, "
                f"which this tenant enables there",
                smap.location(where), where,
                f"add state_overrides: {{{state}: {{features_enabled: [...]}}}} without them",
            ))
    return issues
