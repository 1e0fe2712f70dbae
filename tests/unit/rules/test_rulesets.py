"""The shipped rulesets: all load, and each state's rules do what its statute says."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from saas.rules import CompiledRuleset, compile_source, load_rulesets
from saas.settings import ROOT
from tests.unit.rules.conftest import quote_with

pytestmark = pytest.mark.unit

RULESETS = ROOT / "rulesets"
GOOD = [{"age": 40, "years_licensed": 20}, {"age": 30, "years_licensed": 5}]


@pytest.fixture(scope="module")
def shipped() -> dict[str, CompiledRuleset]:
    rulesets, issues = load_rulesets(RULESETS)
    assert issues == []
    return rulesets


def _applied(ruleset: CompiledRuleset, overlay: dict) -> list[str]:
    return [a.rule_id for a in ruleset.evaluate(quote_with(overlay), trace=False).adjustments]


def test_every_state_loads_with_default_composed_first(shipped: dict[str, CompiledRuleset]) -> None:
    assert set(shipped) == {"DEFAULT", "CA", "NY", "TX", "FL", "MI", "HI", "MA"}
    default_ids = [rule.id for rule in shipped["DEFAULT"].rules]
    for state, ruleset in shipped.items():
        assert [rule.id for rule in ruleset.rules][: len(default_ids)] == default_ids, state
        path = RULESETS / ("default.yaml" if state == "DEFAULT" else f"{state}.yaml")
        assert ruleset.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_rule_cites_a_text_not_a_key(shipped: dict[str, CompiledRuleset]) -> None:
    for ruleset in shipped.values():
        for rule in ruleset.rules:
            assert rule.adjustment.cite and len(rule.adjustment.cite) > 15, rule.id


def test_ca_good_driver_discount_only_when_all_drivers_qualify(shipped: dict[str, CompiledRuleset]) -> None:
    ca = shipped["CA"]
    assert "good-driver-discount" in _applied(ca, {"drivers": GOOD})
    assert "good-driver-discount" not in _applied(ca, {"drivers": [*GOOD, {"age": 19, "years_licensed": 2}]})
    assert "good-driver-discount" not in _applied(ca, {"drivers": [{**GOOD[0], "violations": 1}, GOOD[1]]})
    discount = next(a for a in ca.evaluate(quote_with({"drivers": GOOD})).adjustments if a.action == "multiply")
    assert discount.value == Decimal("0.80") and "§1861.025" in (discount.cite or "")


def test_ca_neutralises_behaviour_and_forbids_its_features(shipped: dict[str, CompiledRuleset]) -> None:
    ca = shipped["CA"]
    limit = next(a for a in ca.evaluate(quote_with()).adjustments if a.rule_id == "behaviour-not-a-factor")
    assert (limit.factor, limit.min, limit.max) == ("telematics", Decimal("1.0"), Decimal("1.0"))
    assert ca.forbidden_features == {"behavioral", "contextual", "phone_usage"}


def test_ny_pip_fee_only_without_pip(shipped: dict[str, CompiledRuleset]) -> None:
    ny = shipped["NY"]
    fees = [a for a in ny.evaluate(quote_with({"coverages": {"pip": False}})).adjustments if a.action == "add"]
    assert [(a.rule_id, a.value) for a in fees] == [("ny-mandatory-pip", Decimal("150.00"))]
    assert str(fees[0].value) == "150.00"  # the YAML text, not a float's 150.0
    assert "ny-mandatory-pip" not in _applied(ny, {"coverages": {"pip": True}})


def test_hi_mi_ma_expose_forbidden_factors(shipped: dict[str, CompiledRuleset]) -> None:
    assert shipped["HI"].forbidden_factors == {"driver_age", "gender", "years_licensed", "credit"}
    assert shipped["MI"].forbidden_factors == {"gender", "marital_status", "territory", "credit"}
    assert shipped["MA"].forbidden_factors == {"gender", "marital_status", "credit"}
    excluded = {a.factor for a in shipped["HI"].evaluate(quote_with()).adjustments if a.action == "exclude"}
    assert excluded == shipped["HI"].forbidden_factors


@pytest.mark.parametrize("state", ["FL", "MI", "MA"])
def test_pip_states_decline_without_pip(shipped: dict[str, CompiledRuleset], state: str) -> None:
    declined = shipped[state].evaluate(quote_with({"coverages": {"pip": False}})).declined
    assert declined is not None and declined.action == "decline"
    assert shipped[state].evaluate(quote_with({"coverages": {"pip": True}})).declined is None


def test_tx_declines_without_liability(shipped: dict[str, CompiledRuleset]) -> None:
    assert shipped["TX"].evaluate(quote_with({"coverages": {"liability": False}})).declined is not None
    assert shipped["TX"].evaluate(quote_with()).declined is None


def test_default_decline_stops_evaluation_with_a_trace(shipped: dict[str, CompiledRuleset]) -> None:
    result = shipped["CA"].evaluate(quote_with({"drivers": [{"age": 20, "years_licensed": 7}]}))
    assert result.declined is not None and result.declined.rule_id == "licensed-before-age-14"
    assert [step.rule_id for step in result.trace] == ["licensed-before-age-14"]
    assert result.trace[0].inputs == {"drivers": "1", "drivers[].years_licensed": "[7]", "drivers[].age": "[20]"}
    assert result.adjustments == []


def test_trace_records_inputs_matches_and_effects(shipped: dict[str, CompiledRuleset]) -> None:
    result = shipped["NY"].evaluate(quote_with({"telematics": None}))
    steps = {step.rule_id: step for step in result.trace}
    assert steps["ny-mandatory-pip"].matched and steps["ny-mandatory-pip"].effect == "add 150.00"
    assert steps["ny-mandatory-pip"].inputs == {"coverages.pip": "false"}
    assert not steps["telematics-without-observation"].matched
    absent = {"telematics": "null", "telematics.months_observed": "null"}
    assert steps["telematics-without-observation"].inputs == absent
    untraced = shipped["NY"].evaluate(quote_with({"telematics": None}), trace=False)
    assert untraced.trace == [] and untraced.adjustments == result.adjustments


def test_runtime_fault_makes_the_condition_false_and_is_traced() -> None:
    source = """
state: ZZ
title: Test
citations: {uw: "Platform underwriting guideline (internal, not law)"}
rules:
  - id: per-year
    when: vehicle.annual_mileage / policy.years_with_company > 100
    multiply: 1.1
    explain: Mileage per year with the company
    cite: uw
"""
    ruleset = compile_source(source, "ZZ.yaml")
    result = ruleset.evaluate(quote_with({"policy": {"years_with_company": 0}}))
    assert result.adjustments == [] and result.trace[0].effect == "fault: division by zero"
    assert not result.trace[0].matched
    assert ruleset.evaluate(quote_with(), trace=False).adjustments[0].value == Decimal("1.1")


def test_load_rulesets_reports_all_files_and_state_mismatch(tmp_path: Path) -> None:
    (tmp_path / "NY.yaml").write_text((RULESETS / "CA.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "TX.yaml").write_text("state: TX\ntitle: Texas\n", encoding="utf-8")
    rulesets, issues = load_rulesets(tmp_path)
    assert rulesets == {}
    messages = [issue.render() for issue in issues]
    assert any("declares state CA; expected NY" in m for m in messages)
    assert any("TX.yaml:1:1: error: Object missing required field `citations`" in m for m in messages)


def test_state_rule_may_not_reuse_a_default_rule_id(tmp_path: Path) -> None:
    (tmp_path / "default.yaml").write_text((RULESETS / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    ny = (RULESETS / "NY.yaml").read_text(encoding="utf-8")
    ny = ny.replace("id: ny-mandatory-pip", "id: licensed-before-age-14")
    (tmp_path / "NY.yaml").write_text(ny, encoding="utf-8")
    _, issues = load_rulesets(tmp_path)
    assert [issue.message for issue in issues] == ["rule id 'licensed-before-age-14' is already used by default.yaml"]
