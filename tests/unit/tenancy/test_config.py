"""Tenant configuration loading: located errors, cross-file checks, stable content hashes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from saas.settings import ROOT
from saas.tenancy.service import load_tenants
from saas.yamlio import MAX_YAML_BYTES
from tests.waiting import LOADED

pytestmark = pytest.mark.unit

GOOD = """\
id: acme
name: Acme Mutual
states: [CA, TX]
features_enabled: [behavioral, mileage]
state_overrides:
  CA: {features_enabled: [mileage]}
pricing:
  target_spread: 0.30
  max_discount: 0.25
  max_surcharge: 0.40
  tiers:
    - {name: A, up_to_percentile: 50, label: Good}
    - {name: B, up_to_percentile: 100, label: Rest}
"""


@dataclass(frozen=True)
class Facts:
    forbidden_features: frozenset[str] = frozenset()


RULESETS = {"CA": Facts(frozenset({"behavioral", "contextual", "phone_usage"})), "TX": Facts()}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rendered(tmp_path: Path, rulesets: dict[str, Facts] | None = None) -> list[str]:
    _, issues = load_tenants(tmp_path, rulesets)
    return [issue.render().replace(str(tmp_path) + "/", "") for issue in issues]


def test_shipped_tenants_load_with_distinct_hashes() -> None:
    tenants, issues = load_tenants(ROOT / "tenants")
    assert issues == []
    assert sorted(tenants) == ["fleet-co", "partner-a", "partner-b"]
    assert len({t.content_hash for t in tenants.values()}) == 3
    assert tenants["partner-a"].config.pricing.max_discount == tenants["partner-a"].config.pricing.max_discount
    assert str(tenants["partner-b"].config.pricing.max_surcharge) == "0.60"
    assert tenants["fleet-co"].config.pricing.discount_only is True
    assert len(tenants["partner-a"].config.pricing.tiers) == 5


def test_good_file_loads_and_hash_ignores_formatting(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", GOOD)
    first, issues = load_tenants(tmp_path, RULESETS)
    assert issues == []
    write(tmp_path, "acme.yaml", "# a comment\n" + GOOD.replace("[CA, TX]", "\n  - CA\n  - TX"))
    second, _ = load_tenants(tmp_path, RULESETS)
    assert first["acme"].content_hash == second["acme"].content_hash
    assert first["acme"].config.features_for("CA") == ("mileage",)
    assert first["acme"].config.features_for("TX") == ("behavioral", "mileage")


def test_unknown_key_names_line_column_and_nearest_key(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", GOOD.replace("  max_discount: 0.25", "  max_discont: 0.25\n  max_discount: 0.25"))
    assert rendered(tmp_path, RULESETS) == [
        "acme.yaml:9:3: error: unknown key 'max_discont' (at $.pricing.max_discont)\n"
        "      max_discont: 0.25\n"
        "      ^\n"
        "    hint: did you mean 'max_discount'?"
    ]


def test_every_error_of_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", GOOD.replace("name: Acme Mutual", "name: Acme\ncolour: red\nshape: round"))
    beta = GOOD.replace("id: acme", "id: beta").replace("up_to_percentile: 100", "up_to_percentile: 90")
    write(tmp_path, "beta.yaml", beta)
    messages = rendered(tmp_path, RULESETS)
    assert len(messages) == 3
    assert messages[0].startswith("acme.yaml:3:1: error: unknown key 'colour'")
    assert messages[1].startswith("acme.yaml:4:1: error: unknown key 'shape'")
    assert "beta.yaml" in messages[2] and "the last must reach 100 (no gap)" in messages[2]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("up_to_percentile: 50", "up_to_percentile: 0"), "up_to_percentile must be in (0, 100]"),
        (("max_discount: 0.25", "max_discount: 1.5"), "max_discount must be in [0, 1)"),
        (("[behavioral, mileage]", "[behavioral, telepathy]"), "Invalid enum value 'telepathy'"),
        (("states: [CA, TX]", "states: [CA, CA]"), "states lists a state twice"),
        (("id: acme", "id: Acme"), "Expected `str` matching regex"),
    ],
)
def test_field_errors_are_located(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    write(tmp_path, "acme.yaml", GOOD.replace(*change))
    messages = rendered(tmp_path, RULESETS)
    assert len(messages) == 1
    assert expected in messages[0]
    assert messages[0].startswith("acme.yaml:")


def test_feature_forbidden_by_state_fails_with_clear_message(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", GOOD.replace("[mileage]}", "[behavioral]}"))
    (message,) = rendered(tmp_path, RULESETS)
    assert message.startswith("acme.yaml:6:26: error: CA forbids rating on telematics feature(s) behavioral")


def test_state_without_ruleset(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", GOOD.replace("[CA, TX]", "[CA, TX, ZZ]"))
    (message,) = rendered(tmp_path, RULESETS)
    assert message.startswith("acme.yaml:3:18: error: state ZZ has no ruleset")


def test_file_name_must_match_id(tmp_path: Path) -> None:
    write(tmp_path, "other.yaml", GOOD)
    (message,) = rendered(tmp_path, RULESETS)
    assert "tenant id 'acme' does not match the file name 'other.yaml'" in message


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """26 levels of four aliases each: 9 · 4^25 (10^16) items if anything expanded them, which no
    machine finishes. The refusal arriving at all shows the anchors were refused unexpanded; the
    bound on the wait is only there to fail with a message instead of hanging."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(25))
    write(tmp_path, "bomb.yaml", bomb)
    messages: list[str] = []
    worker = threading.Thread(target=lambda: messages.extend(rendered(tmp_path)), daemon=True)
    worker.start()
    worker.join(timeout=60 * LOADED)
    assert not worker.is_alive(), "the alias bomb was not refused: are its aliases being expanded?"
    assert messages == ["bomb.yaml:1:4: error: invalid YAML: YAML anchors are not allowed (&a)\n"
                        "    a: &a [x, x, x, x, x, x, x, x, x]\n       ^"]


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    write(tmp_path, "huge.yaml", "# " + "x" * MAX_YAML_BYTES + "\n")
    (message,) = rendered(tmp_path)
    assert message.startswith(f"huge.yaml:1:1: error: file is {MAX_YAML_BYTES + 3} bytes; the limit is")


def test_broken_yaml_points_at_the_problem(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", "id: acme\nname: [unclosed\nstates: [CA]\n")
    (message,) = rendered(tmp_path)
    assert message.startswith("acme.yaml:3:")
    assert "invalid YAML" in message


def test_a_control_character_is_located_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "acme.yaml", "id: acme\nname: A\x14B\n")
    (message,) = rendered(tmp_path)
    assert message.startswith("acme.yaml:2:8") and "#x0014 is not allowed" in message, message
