"""Load, check, compile and cache rulesets: the façade the rating engine and ``saas check`` call.

Every problem of every file is collected (YAML, unknown keys, unknown factors or cite keys, each
``when`` expression's syntax and types) and raised together as one ``ConfigError``, each issue
located at ``file:line:col`` with a caret and, for unknown names, a "did you mean".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import DecimalException
from functools import lru_cache
from pathlib import Path
from typing import Any

from saas.canonical import sha256_hex
from saas.errors import ConfigError, ConfigIssue, Location
from saas.quote.factors import RATING_FACTORS
from saas.quote.schemas import Quote
from saas.rules.checker import check_condition
from saas.rules.compiler import compile_condition, fault_name
from saas.rules.errors import EvaluationFault, RuleError
from saas.rules.inputs import trace_inputs
from saas.rules.parser import parse
from saas.rules.paths import Fn
from saas.rules.ruleset import CompiledRule, CompiledRuleset, Reader, show
from saas.rules.schemas import Adjustment, Rule, RulesetFile
from saas.rules.sources import RuleSourceMap, expression_location
from saas.suggestions import did_you_mean
from saas.yamlio import MAX_YAML_BYTES, SourceMap, compose, decode

DEFAULT_STATE = "DEFAULT"
"""The ruleset in ``default.yaml``: platform underwriting rules run before every state's rules."""


def compile_source(text: str, file: str) -> CompiledRuleset:
    """Compile ruleset YAML text (tests, and replay from the text stored with a decision).

    Cached by (text, file name): reloading an unchanged file, or replaying many decisions made
    under one ruleset version, compiles it once.
    """
    return _compile_cached(text, file)


@lru_cache(maxsize=256)
def _compile_cached(text: str, file: str) -> CompiledRuleset:
    digest = sha256_hex(text)
    data, smap = compose(text, file)
    if data is None:
        raise ConfigError([ConfigIssue("file is empty", smap.at(1, 1))])
    parsed, issues = decode(data, smap, RulesetFile)
    if parsed is None:
        if isinstance(data, dict) and isinstance(data.get("rules"), list):
            _decode_rules(data["rules"], smap, issues)
        raise ConfigError(issues)
    rules = _decode_rules(parsed.rules, smap, issues)
    issues += _check_names(parsed, rules, smap)
    compiled_rules = [_compile_rule(rule, index, parsed, smap, issues) for index, rule in rules]
    if issues:
        raise ConfigError(issues)
    compiled = CompiledRuleset(
        state=parsed.state, title=parsed.title, content_hash=digest, rules=[r for r in compiled_rules if r],
        forbidden_factors=frozenset(parsed.forbidden_factors),
        forbidden_features=frozenset(parsed.forbidden_features),
    )
    return compiled


def compile_expression(text: str, file: str = "<expression>") -> Callable[[Quote], bool]:
    """One condition as a callable, for tests, tools and the REPL; faults raise ``EvaluationFault``."""
    try:
        tree = parse(text)
        condition = compile_condition(tree, check_condition(tree))
    except RuleError as exc:
        before = text[: exc.span.start]
        line = before.count("\n")
        lines = text.split("\n")
        where = Location(file, line + 1, len(before) - (before.rfind("\n") + 1) + 1, lines[line])
        raise ConfigError([ConfigIssue(exc.message, where, None, exc.hint)]) from None

    def evaluate(quote: Quote) -> bool:
        try:
            return bool(condition(quote))
        except DecimalException as exc:
            raise EvaluationFault(fault_name(exc)) from None

    return evaluate


def load_ruleset(path: Path) -> CompiledRuleset:
    """Load one file; raises ``ConfigError`` with all of its issues."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        message = f"file is {size} bytes; the limit is {MAX_YAML_BYTES}"
        raise ConfigError([ConfigIssue(message, Location(str(path), 1, 1))])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(f"file is not UTF-8 ({exc.reason})", Location(str(path), 1, 1))]) from None
    return compile_source(text, str(path))


def load_rulesets(directory: Path) -> tuple[dict[str, CompiledRuleset], list[ConfigIssue]]:
    """Every ``*.yaml`` in ``directory``, keyed by state, with the DEFAULT rules composed first."""
    found: dict[str, CompiledRuleset] = {}
    issues: list[ConfigIssue] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            ruleset = load_ruleset(path)
        except ConfigError as exc:
            issues.extend(exc.issues)
            continue
        expected = DEFAULT_STATE if path.stem == "default" else path.stem
        if ruleset.state != expected:
            issues.append(ConfigIssue(f"file {path.name} declares state {ruleset.state}; expected {expected}",
                                      Location(str(path), 1, 1)))
        elif ruleset.state in found:
            issues.append(ConfigIssue(f"state {ruleset.state} is defined twice", Location(str(path), 1, 1)))
        else:
            found[ruleset.state] = ruleset
    base = found.get(DEFAULT_STATE)
    if base is not None:
        issues += _shadowed_ids(base, found, directory)
        found = {state: r if state == DEFAULT_STATE else r.composed_with(base) for state, r in found.items()}
    return found, issues


def compose_texts(texts: dict[str, str]) -> dict[str, CompiledRuleset]:
    """Rulesets from their texts by state (deployed versions), composed with DEFAULT like the files.

    Raises ``ConfigError`` when a text does not compile or reuses a DEFAULT rule id."""
    own = {state: compile_source(text, "default.yaml" if state == DEFAULT_STATE else f"{state}.yaml")
           for state, text in texts.items()}
    base = own.get(DEFAULT_STATE)
    if base is None:
        return own
    default_ids = {rule.id for rule in base.rules}
    shadowed = [ConfigIssue(f"rule id '{rule.id}' is already used by default.yaml", Location(f"{state}.yaml", 1, 1))
                for state, ruleset in own.items() if state != DEFAULT_STATE
                for rule in ruleset.own_rules if rule.id in default_ids]
    if shadowed:
        raise ConfigError(shadowed)
    return {state: r if state == DEFAULT_STATE else r.composed_with(base) for state, r in own.items()}


def _shadowed_ids(base: CompiledRuleset, found: dict[str, CompiledRuleset], directory: Path) -> list[ConfigIssue]:
    """A state rule reusing a DEFAULT rule id would make traces and decision records ambiguous."""
    default_ids = {rule.id for rule in base.rules}
    return [
        ConfigIssue(f"rule id '{rule.id}' is already used by default.yaml",
                    Location(str(directory / f"{state}.yaml"), 1, 1))
        for state, ruleset in found.items() if state != DEFAULT_STATE
        for rule in ruleset.own_rules if rule.id in default_ids
    ]


def _issue(smap: SourceMap, path: str, message: str, hint: str | None = None) -> ConfigIssue:
    return ConfigIssue(message, smap.location(path), path, hint)


def _decode_rules(raw: list[Any], smap: SourceMap, issues: list[ConfigIssue]) -> list[tuple[int, Rule]]:
    rules: list[tuple[int, Rule]] = []
    seen: set[str] = set()
    for index, data in enumerate(raw):
        prefix = f"$.rules[{index}]"
        rule, found = decode(data, RuleSourceMap(smap, prefix), Rule)
        issues.extend(replace(issue, path=prefix + issue.path[1:] if issue.path else prefix) for issue in found)
        if rule is None:
            continue
        if rule.id in seen:
            issues.append(_issue(smap, f"{prefix}.id", f"rule id '{rule.id}' appears twice"))
        seen.add(rule.id)
        rules.append((index, rule))
    return rules


def _check_names(parsed: RulesetFile, rules: list[tuple[int, Rule]], smap: SourceMap) -> list[ConfigIssue]:
    """Factor names and cite keys: known only with the vocabulary and the file's citation map."""
    issues: list[ConfigIssue] = []
    factors, cites = list(RATING_FACTORS), list(parsed.citations)
    for index, name in enumerate(parsed.forbidden_factors):
        if name not in RATING_FACTORS:
            path = f"$.forbidden_factors[{index}]"
            issues.append(_issue(smap, path, f"unknown rating factor '{name}'", did_you_mean(name, factors)))
    for index, rule in rules:
        factor, where = (rule.limit.factor, "limit.factor") if rule.limit else (rule.exclude, "exclude")
        if factor is not None and factor not in RATING_FACTORS:
            path = f"$.rules[{index}].{where}"
            issues.append(_issue(smap, path, f"unknown rating factor '{factor}'", did_you_mean(factor, factors)))
        if rule.cite not in parsed.citations:
            hint = did_you_mean(rule.cite, cites) or f"known citations: {', '.join(cites) or 'none'}"
            issues.append(_issue(smap, f"$.rules[{index}].cite", f"unknown citation key '{rule.cite}'", hint))
    return issues


def _compile_rule(rule: Rule, index: int, parsed: RulesetFile, smap: SourceMap,
                  issues: list[ConfigIssue]) -> CompiledRule | None:
    condition: Fn | None = None
    inputs: tuple[tuple[str, Reader], ...] = ()
    if rule.when is not None:
        path = f"$.rules[{index}].when"
        try:
            tree = parse(rule.when)
            checked = check_condition(tree)
            condition = compile_condition(tree, checked)
            inputs = trace_inputs(tree, checked)
        except RuleError as exc:
            where = expression_location(smap, path, exc.span.start)
            issues.append(ConfigIssue(exc.message, where, path, exc.hint))
            return None
    adjustment = _adjustment(rule, parsed.citations.get(rule.cite))
    return CompiledRule(rule.id, condition, adjustment, rule.decline is not None, inputs, _effect(adjustment),
                        rule.when)


def _adjustment(rule: Rule, cite: str | None) -> Adjustment:
    limit = rule.limit
    value = rule.multiply if rule.multiply is not None else rule.add
    factor = limit.factor if limit else rule.exclude
    explain = f"{rule.explain}: {rule.decline}" if rule.decline else rule.explain
    return Adjustment(rule.id, rule.action, value, factor, limit.min if limit else None,
                      limit.max if limit else None, explain, cite)


def _effect(adjustment: Adjustment) -> str:
    if adjustment.action == "limit":
        return f"limit {adjustment.factor} to [{show(adjustment.min)}, {show(adjustment.max)}]"
    if adjustment.action == "exclude":
        return f"exclude {adjustment.factor}"
    if adjustment.action == "decline":
        return f"decline: {adjustment.explain}"
    return f"{adjustment.action} {show(adjustment.value)}"
