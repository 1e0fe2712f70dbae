"""Two versions of a state's rules compared rule by rule (by id), as a reviewer reads them:
which rules were added, removed, or changed in their condition, effect, explanation or citation,
and which features or factors the state now forbids or allows."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from saas.rules.ruleset import CompiledRule, CompiledRuleset


class RuleChange(Struct, frozen=True, omit_defaults=True):
    rule_id: str
    change: Literal["added", "removed", "changed", "moved"]
    text: str
    fields: list[str] = []


class RulesetDiff(Struct, frozen=True):
    from_version: str
    to_version: str
    state: str
    changes: list[RuleChange]


def _facts(rule: CompiledRule) -> dict[str, str]:
    a = rule.adjustment
    return {"when": rule.when or "(always)", "effect": rule.effect, "explain": a.explain, "cite": a.cite or ""}


def diff_rulesets(old: CompiledRuleset, new: CompiledRuleset) -> list[RuleChange]:
    before, after = {r.id: r for r in old.own_rules}, {r.id: r for r in new.own_rules}
    out: list[RuleChange] = []
    for rule_id in [r.id for r in new.own_rules if r.id not in before]:
        out.append(RuleChange(rule_id, "added", f"rule {rule_id} added: {_facts(after[rule_id])['effect']}"
                                                f" when {_facts(after[rule_id])['when']}"))
    for rule_id in [r.id for r in old.own_rules if r.id not in after]:
        out.append(RuleChange(rule_id, "removed", f"rule {rule_id} removed (was: {_facts(before[rule_id])['effect']})"))
    for rule_id in [r.id for r in new.own_rules if r.id in before]:
        a, b = _facts(before[rule_id]), _facts(after[rule_id])
        changed = [key for key in a if a[key] != b[key]]
        if changed:
            words = "; ".join(f"{key} {a[key]!r} → {b[key]!r}" for key in changed)
            out.append(RuleChange(rule_id, "changed", f"rule {rule_id}: {words}", changed))
    order_old = [r for r in (x.id for x in old.own_rules) if r in after]
    order_new = [r for r in (x.id for x in new.own_rules) if r in before]
    if order_old != order_new:
        out.append(RuleChange("*", "moved", f"rules run in a new order: {', '.join(order_new)}"))
    for name in ("forbidden_features", "forbidden_factors"):
        gone, come = getattr(old, name) - getattr(new, name), getattr(new, name) - getattr(old, name)
        if gone or come:
            words = ", ".join([f"+ {x}" for x in sorted(come)] + [f"− {x}" for x in sorted(gone)])
            out.append(RuleChange("*", "changed", f"{name} {words}", [name]))
    return out


def render_text(diff: RulesetDiff) -> str:
    head = f"ruleset {diff.state} {diff.from_version[:12]} → {diff.to_version[:12]}"
    if not diff.changes:
        return f"{head}\n  no changes\n"
    return "\n".join([head, *(f"  {c.text}" for c in diff.changes)]) + "\n"
