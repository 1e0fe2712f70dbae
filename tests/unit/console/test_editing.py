"""The YAML editor's parsing (every problem at its line, with the nearest field) and the playground
form (the quote's own paths, decoded by the API's ``Quote``)."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from saas.console.editing import parse_table, table_yaml
from saas.console.quote_form import FIELDS, TELEMATICS_SWITCH, defaults, quote_of
from saas.console.signin import safe_next
from saas.errors import ValidationFailed
from saas.settings import ROOT

pytestmark = pytest.mark.unit
TX = (ROOT / "tenants" / "partner-a" / "rates" / "TX-auto.yaml").read_text()


def test_a_stored_table_round_trips_through_the_editor_text() -> None:
    spec, problems = parse_table(TX)
    assert problems == [] and spec is not None
    text = table_yaml(msgspec.json.encode(spec).decode())
    assert "base_premium: {basic: 538.00, standard: 690.00, premium: 876.00}" in text
    assert "null" not in text and "'1.12'" not in text
    again, problems = parse_table(text)
    assert problems == [] and again == spec


def test_each_problem_is_placed_at_its_line_with_a_suggestion() -> None:
    text = TX.replace("standard: 690.00", "standard: lots", 1).replace("factor: 1.24", "facter: 1.24", 1)
    spec, problems = parse_table(text)
    assert spec is None
    lines = text.splitlines()
    by_path = {p.path: p for p in problems}
    bad_number = by_path["$.base_premium.standard"]
    assert lines[bad_number.line - 1].strip().startswith("standard: lots")
    assert bad_number.source == lines[bad_number.line - 1]
    typo = next(p for p in problems if p.message == "unknown field 'facter'")
    assert "facter" in lines[typo.line - 1] and lines[typo.line - 1][typo.col - 1:].startswith("facter")
    assert typo.suggestion == "did you mean 'factor'?"


def test_broken_yaml_and_aliases_are_located_not_parsed() -> None:
    _, problems = parse_table("tenant: partner-a\nstate: [TX\n")
    assert len(problems) == 1 and problems[0].line >= 2 and "invalid YAML" in problems[0].message
    _, problems = parse_table("a: &x 1\nb: *x\n")
    assert problems and "anchors are not allowed" in problems[0].message


def test_the_form_defaults_make_a_quote_and_a_bad_value_names_its_path() -> None:
    values = defaults(["CA", "NY"], dt.date(2026, 12, 3), {"CA": "94100"})
    quote = quote_of(values)
    assert (quote.policy.state, quote.policy.zip_code, quote.policy.effective_date) == ("CA", "94100",
                                                                                        dt.date(2026, 12, 3))
    assert quote.drivers[0].primary and quote.telematics is not None and quote.coverages.collision
    assert not quote.coverages.uninsured_motorist  # an unticked box is absent from a form
    without = quote_of({k: v for k, v in values.items() if k != TELEMATICS_SWITCH})
    assert without.telematics is None
    with pytest.raises(ValidationFailed) as refused:
        quote_of(values | {"drivers.0.age": "eleven"})
    assert refused.value.path == "$.drivers[0].age"
    assert all(f.label for f in FIELDS) and len({f.name for f in FIELDS}) == len(FIELDS)


def test_sign_in_only_returns_to_a_console_page() -> None:
    assert safe_next("/console/rates") == "/console/rates"
    for hostile in ("https://evil.example/console", "//evil.example/console", "/v1/quotes", None, "/console\\@evil"):
        assert safe_next(hostile) == "/console"
