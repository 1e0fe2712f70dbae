"""Loading every tenant's rate tables and picking the one in effect on a date.

``saas check`` runs this in a partner's CI, so it never stops at the first bad file: every issue
of every file is collected with its ``file:line:col``. A file is named ``<STATE>-<product>.yaml``
(optionally with a suffix such as ``CA-auto-2027.yaml`` for a later table) under
``tenants/<tenant-id>/rates/``, and what it says inside must agree with where it sits.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise
from pathlib import Path

from saas.errors import ConfigError, ConfigIssue, RatingError
from saas.rating.lookups import RateTable, compile_table
from saas.rating.schemas import RateTableSpec
from saas.yamlio import SourceMap, compose, decode, load_file

TableKey = tuple[str, str, str]
"""(tenant id, state, product)."""

RateTables = dict[TableKey, list[RateTable]]
"""Tables per key, sorted by effective date (oldest first)."""

_FILE_NAME = re.compile(r"^(?P<state>[A-Z]{2})-(?P<product>[a-z]+)(?:-[A-Za-z0-9-]+)?\.yaml$")
_SUB_PATH = re.compile(r"^(?P<sub>[A-Za-z_]+(?:\[\d+\])*(?:\.[A-Za-z_0-9]+(?:\[\d+\])*)*): ")


def rate_table_files(tenants_dir: Path) -> list[Path]:
    return sorted(p for p in tenants_dir.glob("*/rates/*.yaml") if p.is_file())


def load_rate_tables(tenants_dir: Path) -> tuple[RateTables, list[ConfigIssue]]:
    """Load and validate every rate table under ``tenants_dir``; bad files are left out, with issues."""
    tables: RateTables = {}
    issues: list[ConfigIssue] = []
    smaps: dict[str, SourceMap] = {}
    for path in rate_table_files(tenants_dir):
        spec, smap, file_issues = load_file(path, RateTableSpec)
        issues.extend(refine(issue, smap) for issue in file_issues)
        if spec is None or smap is None or file_issues:
            continue
        placement = _placement_issues(path, spec, smap)
        issues.extend(placement)
        if not placement:
            smaps[str(path)] = smap
            tables.setdefault((spec.tenant, spec.state, spec.product), []).append(compile_table(spec, source=str(path)))
    for versions in tables.values():
        versions.sort(key=lambda table: table.effective_date)
        issues.extend(_same_date_issues(versions, smaps))
    return tables, issues


def parse_rate_table(text: str, source: str) -> tuple[RateTable | None, list[ConfigIssue]]:
    """Validate one table from text (a draft version stored outside the tenants directory)."""
    try:
        data, smap = compose(text, source)
    except ConfigError as exc:
        return None, exc.issues
    if data is None:
        return None, [ConfigIssue("rate table is empty", smap.at(1, 1))]
    spec, issues = decode(data, smap, RateTableSpec)
    issues = [refine(issue, smap) for issue in issues]
    if spec is None or issues:
        return None, issues
    return compile_table(spec, source=source), []


def refine(issue: ConfigIssue, smap: SourceMap | None) -> ConfigIssue:
    """Point a cross-field check at the exact sub-path its message names (``age_bands[2].from: ...``)."""
    match = _SUB_PATH.match(issue.message)
    if smap is None or issue.path is None or match is None:
        return issue
    path = f"{issue.path}.{match.group('sub')}"
    return ConfigIssue(issue.message[match.end():], smap.location(path), path, issue.hint)


def _placement_issues(path: Path, spec: RateTableSpec, smap: SourceMap) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    tenant_dir = path.parent.parent.name
    if spec.tenant != tenant_dir:
        issues.append(ConfigIssue(f"tenant '{spec.tenant}' does not match the directory '{tenant_dir}'",
                                  smap.location("$.tenant"), "$.tenant", f"move the file under {spec.tenant}/rates/"))
    named = _FILE_NAME.match(path.name)
    if named is None:
        issues.append(ConfigIssue(f"file name '{path.name}' is not <STATE>-<product>[-suffix].yaml",
                                  smap.at(1, 1), None, f"rename it {spec.state}-{spec.product}.yaml"))
        return issues
    for field in ("state", "product"):
        value = getattr(spec, field)
        if named.group(field) != value:
            issues.append(ConfigIssue(f"{field} '{value}' does not match the file name '{path.name}'",
                                      smap.location(f"$.{field}"), f"$.{field}"))
    return issues


def _same_date_issues(versions: list[RateTable], smaps: dict[str, SourceMap]) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for before, after in pairwise(versions):
        if before.effective_date == after.effective_date:
            issues.append(ConfigIssue(
                f"two rate tables for {after.tenant} {after.state} {after.product} take effect on "
                f"{after.effective_date}: {before.source} and {after.source}",
                smaps[after.source].location("$.effective_date"), "$.effective_date",
                "give each table its own effective_date"))
    return issues


def table_in_effect(tables: RateTables, tenant: str, state: str, product: str, on: dt.date) -> RateTable:
    """The table with the latest ``effective_date`` on or before ``on``."""
    versions = tables.get((tenant, state, product))
    if not versions:
        raise RatingError(f"tenant {tenant} has no {product} rate table for {state}")
    chosen: RateTable | None = None
    for table in versions:
        if table.effective_date > on:
            break
        chosen = table
    if chosen is None:
        first = versions[0].effective_date
        raise RatingError(f"no {product} rate table for {state} is in effect on {on} (the first starts {first})")
    return chosen
