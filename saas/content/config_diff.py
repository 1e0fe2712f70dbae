"""What a configuration change means in business terms, not as a text diff of YAML.

A partner admin and the approver read "pricing.max_discount 0.25 → 0.30", "tier B up to percentile
40 → 45" or "NY features_enabled + phone_usage": tiers are matched by name, feature lists are sets,
state overrides are per state, and every other setting is its dotted path with both values.
Reformatting or reordering the YAML changes nothing here (the configs are compared decoded).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import Struct

from saas.tenancy.schemas import TenantConfig

SETS = ("features_enabled", "states")
"""Lists whose order carries no meaning: compared as sets, changes named + / −."""


class Change(Struct, frozen=True, omit_defaults=True):
    path: str
    change: Literal["changed", "added", "removed"]
    text: str
    before: Any = None
    after: Any = None


class ConfigDiff(Struct, frozen=True):
    from_version: str
    to_version: str
    changes: list[Change]


def diff_configs(old: TenantConfig, new: TenantConfig) -> list[Change]:
    a, b = msgspec.to_builtins(old), msgspec.to_builtins(new)
    changes: list[Change] = []
    changes += _tiers(a["pricing"].pop("tiers"), b["pricing"].pop("tiers"))
    changes += _overrides(a.pop("state_overrides", {}), b.pop("state_overrides", {}))
    for name in SETS:
        changes += _set_change(name, name, a.pop(name, []), b.pop(name, []))
    changes += _walk("", a, b)
    return sorted(changes, key=lambda c: c.path)


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _walk(prefix: str, a: Any, b: Any) -> list[Change]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Change] = []
        for key in sorted(a.keys() | b.keys()):
            out += _walk(f"{prefix}.{key}" if prefix else key, a.get(key), b.get(key))
        return out
    if a == b:
        return []
    if a is None:
        return [Change(prefix, "added", f"{prefix} set to {_show(b)}", after=b)]
    if b is None:
        return [Change(prefix, "removed", f"{prefix} removed (was {_show(a)})", before=a)]
    return [Change(prefix, "changed", f"{prefix} {_show(a)} → {_show(b)}", a, b)]


def _set_change(path: str, label: str, a: list[Any], b: list[Any]) -> list[Change]:
    added, removed = [x for x in b if x not in a], [x for x in a if x not in b]
    if not added and not removed:
        return []
    words = [f"+ {x}" for x in added] + [f"− {x}" for x in removed]
    return [Change(path, "changed", f"{label} {', '.join(words)}", a, b)]


def _tiers(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[Change]:
    old, new = {t["name"]: t for t in a}, {t["name"]: t for t in b}
    out: list[Change] = []
    for name in [t["name"] for t in a] + [t["name"] for t in b if t["name"] not in old]:
        path = f"pricing.tiers[{name}]"
        if name not in new:
            out.append(Change(path, "removed", f"tier {name} removed (was {_tier_words(old[name])})", before=old[name]))
        elif name not in old:
            out.append(Change(path, "added", f"tier {name} added ({_tier_words(new[name])})", after=new[name]))
        else:
            for key in ("up_to_percentile", "label", "factor"):
                before, after = old[name].get(key), new[name].get(key)
                if before != after:
                    words = "up to percentile" if key == "up_to_percentile" else key
                    out.append(Change(f"{path}.{key}", "changed",
                                      f"tier {name} {words} {_show(before)} → {_show(after)}", before, after))
    return out


def _tier_words(tier: dict[str, Any]) -> str:
    factor = f", factor {tier['factor']}" if tier.get("factor") is not None else ""
    return f"up to percentile {tier['up_to_percentile']}, {tier['label']}{factor}"


def _overrides(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    for state in sorted(a.keys() | b.keys()):
        path = f"state_overrides.{state}.features_enabled"
        if state not in b:
            out.append(Change(f"state_overrides.{state}", "removed",
                              f"{state} override removed (the default features apply there)", before=a[state]))
        elif state not in a:
            features = ", ".join(b[state]["features_enabled"]) or "none"
            out.append(Change(f"state_overrides.{state}", "added", f"{state} features_enabled set to {features}",
                              after=b[state]))
        else:
            out += _set_change(path, f"{state} features_enabled", a[state]["features_enabled"],
                               b[state]["features_enabled"])
    return out


def render_text(diff: ConfigDiff) -> str:
    head = f"configuration {diff.from_version} → {diff.to_version}"
    if not diff.changes:
        return f"{head}\n  no changes\n"
    return "\n".join([head, *(f"  {change.text}" for change in diff.changes)]) + "\n"
