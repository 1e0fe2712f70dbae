"""Golden error messages: the exact text a partner admin sees for each kind of mistake.

Each ``golden/<case>.yaml`` must fail to load with exactly ``golden/<case>.txt`` (location, caret
line and hint included). Regenerate deliberately, by hand, when a message is meant to change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saas.errors import ConfigError
from saas.rules.service import compile_source, load_ruleset
from saas.yamlio import MAX_YAML_BYTES

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.stem for path in GOLDEN.glob("*.yaml"))


def _rendered(text: str, name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        compile_source(text, name)
    return caught.value.render() + "\n"


def test_every_kind_of_mistake_has_a_golden_case() -> None:
    expected = {"alias_bomb", "broken_yaml", "structure", "type_mismatch", "unknown_cite", "unknown_factor",
                "unknown_field", "unknown_key", "wrong_arity"}
    assert expected <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_message(case: str) -> None:
    source = (GOLDEN / f"{case}.yaml").read_text(encoding="utf-8")
    assert _rendered(source, f"{case}.yaml") == (GOLDEN / f"{case}.txt").read_text(encoding="utf-8")


def test_oversized_text_is_refused_before_parsing() -> None:
    text = "state: CA\n" + "#" * (MAX_YAML_BYTES + 1)
    assert _rendered(text, "oversized.yaml") == (GOLDEN / "oversized.txt").read_text(encoding="utf-8")


def test_oversized_file_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "CA.yaml"
    path.write_text("#" * (MAX_YAML_BYTES + 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_ruleset(path)
    assert caught.value.issues[0].message == f"file is {MAX_YAML_BYTES + 1} bytes; the limit is {MAX_YAML_BYTES}"


def test_alias_bomb_is_refused_quickly() -> None:
    source = (GOLDEN / "alias_bomb.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as caught:  # refused at its first anchor: nothing is expanded
        compile_source(source, "bomb.yaml")
    assert "anchors are not allowed" in caught.value.issues[0].message
    location = caught.value.issues[0].location
    assert location is not None and (location.line, location.col) == (1, 4)


def test_unknown_field_caret_sits_under_the_token() -> None:
    source = (GOLDEN / "unknown_field.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        compile_source(source, "unknown_field.yaml")
    for issue, token in zip(caught.value.issues, ("years_licenced", "stat ", "mils"), strict=True):
        assert issue.location is not None
        line = issue.location.source_line
        assert line[issue.location.col - 1:].startswith(token)
