"""``saas check`` for model pins: a tenant's ``model`` and ``shadow_model`` must exist and fit.

A pin to a version nobody registered would fail the tenant's first quote after a deploy, so the
check that partner CI runs refuses it, with the file and line of the pin: the version must be in
the registry or in a model directory given to the check, and the model may only need inputs the
tenant's feature groups can supply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from saas.errors import ConfigIssue, Location
from saas.quote.factors import FEATURE_GROUPS
from saas.tenancy.service import LoadedTenant

KNOWN_INPUTS = frozenset(name for names in FEATURE_GROUPS.values() for name in names) | {"prior_claim_count"}


def pinned(tenants: Iterable[LoadedTenant]) -> bool:
    return any(t.config.model or t.config.shadow_model for t in tenants)


def directory_models(directories: Iterable[Path]) -> dict[str, list[str]]:
    """Version → feature names of every model directory given (a model dir, or a dir of model dirs),
    under each id the model answers to (a pin written before 2026-12 names the legacy one)."""
    from ml import artifacts  # heavy (xgboost): only when a tenant pins a model

    found: dict[str, list[str]] = {}
    for directory in directories:
        candidates = [directory] if artifacts.artifacts_present(directory) else sorted(directory.iterdir())
        for each in candidates:
            if each.is_dir() and artifacts.artifacts_present(each):
                for version in artifacts.version_ids(each):
                    found[version] = list(artifacts.read_preprocess(each).feature_names)
    return found


def model_issues(tenants: Iterable[LoadedTenant], known: Mapping[str, list[str]]) -> list[ConfigIssue]:
    issues = []
    for tenant in tenants:
        for key in ("model", "shadow_model"):
            version = getattr(tenant.config, key)
            if version is None:
                continue
            where = _location(tenant.source, key)
            if version not in known:
                issues.append(ConfigIssue(f"{key} {version} is not registered nor in a given model directory",
                                          where, f"$.{key}", "saas ml register DIR, or saas check --models DIR"))
            elif extra := sorted(set(known[version]) - KNOWN_INPUTS):
                issues.append(ConfigIssue(f"{key} {version} needs inputs no feature group supplies: "
                                          f"{', '.join(extra)}", where, f"$.{key}"))
    return issues


def _location(source: str, key: str) -> Location:
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return Location(source, 1, 1)
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return Location(source, number, 1, line)
    return Location(source, 1, 1)
