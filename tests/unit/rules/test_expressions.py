"""Table-driven expression cases (tests/unit/rules/data/expressions.csv), as zen keeps its own.

Columns: ``expression;input;expected`` where input is a JSON overlay on the base quote and expected
is ``true``, ``false``, ``fault`` (a runtime outcome such as division by a zero field) or
``error:<text>`` (a load error whose message contains the text, located in the expression).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saas.errors import ConfigError
from saas.rules.errors import EvaluationFault
from saas.rules.service import compile_expression
from tests.unit.rules.conftest import quote_with

pytestmark = pytest.mark.unit

CASES = Path(__file__).parent / "data" / "expressions.csv"


def _rows() -> list[tuple[str, str, str]]:
    lines = CASES.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "expression;input;expected"
    rows = []
    for line in lines[1:]:
        expression, overlay, expected = line.split(";")
        rows.append((expression, overlay, expected))
    return rows


ROWS = _rows()


def test_the_table_is_large_and_mixed() -> None:
    outcomes = [expected.split(":")[0] for _, _, expected in ROWS]
    assert len(ROWS) >= 80
    assert {"true", "false", "fault", "error"} <= set(outcomes)


@pytest.mark.parametrize(("expression", "overlay", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_expression(expression: str, overlay: str, expected: str) -> None:
    quote = quote_with(json.loads(overlay))
    if expected.startswith("error:"):
        with pytest.raises(ConfigError) as caught:
            compile_expression(expression)
        issue = caught.value.issues[0]
        assert expected.removeprefix("error:") in issue.message
        assert issue.location is not None and 1 <= issue.location.col <= len(expression) + 1
        return
    condition = compile_expression(expression)
    if expected == "fault":
        with pytest.raises(EvaluationFault):
            condition(quote)
        return
    assert condition(quote) is (expected == "true")
