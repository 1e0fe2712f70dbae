"""Rate table loading: the shipped tables, located errors with suggestions, hashes, effective dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from saas.errors import RatingError
from saas.rating.engine import rate
from saas.rating.lookups import content_hash
from saas.rating.tables import load_rate_tables, parse_rate_table, table_in_effect
from saas.settings import ROOT
from tests.unit.rating.builders import TABLE_YAML, quote, table, tenant

pytestmark = pytest.mark.unit


def write_table(tenants_dir: Path, text: str, *, tenant: str = "acme", name: str = "TX-auto.yaml") -> Path:
    path = tenants_dir / tenant / "rates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_shipped_tables_all_load() -> None:
    tables, issues = load_rate_tables(ROOT / "tenants")
    assert [issue.render() for issue in issues] == []
    expected = {("partner-a", s) for s in ("CA", "NY", "TX")} | \
        {("partner-b", s) for s in ("CA", "NY", "TX", "FL", "MI", "MA")} | {("fleet-co", s) for s in ("TX", "FL", "HI")}
    assert {(tenant, state) for tenant, state, _ in tables} == expected
    assert [t.effective_date for t in tables[("partner-a", "CA", "auto")]] == [dt.date(2026, 1, 1), dt.date(2027, 1, 1)]


def test_every_shipped_table_rates_a_quote_in_each_territory() -> None:
    tables, _ = load_rate_tables(ROOT / "tenants")
    for (tenant_id, state, _), versions in tables.items():
        config = tenant(tenant_id=tenant_id, states=(state,))
        for version in versions:
            areas = [(z.ljust(5, "0"), area.code) for area in version.spec.territories.areas for z in area.zips]
            for zip_code, code in [*areas, ("00000", version.spec.territories.default.code)]:
                policy = {"state": state, "zip_code": zip_code, "effective_date": version.effective_date.isoformat()}
                result = rate(quote(policy=policy), tenant=config, table=version, rules=None,
                              forbidden_factors=frozenset(), telematics=None)
                assert Decimal(300) < result.premium < Decimal(20_000), (tenant_id, state, zip_code, result.premium)
                assert f"territory {code} (" in next(f.explanation for f in result.factors if f.name == "territory")


def test_table_in_effect_picks_the_latest_started_table() -> None:
    tables, _ = load_rate_tables(ROOT / "tenants")
    late_2026 = table_in_effect(tables, "partner-a", "CA", "auto", dt.date(2026, 12, 31))
    assert late_2026.effective_date == dt.date(2026, 1, 1)
    assert late_2026.source.endswith("partner-a/rates/CA-auto.yaml")
    assert table_in_effect(tables, "partner-a", "CA", "auto", dt.date(2027, 1, 1)).effective_date == dt.date(2027, 1, 1)
    with pytest.raises(RatingError, match="in effect on 2025-06-01"):
        table_in_effect(tables, "partner-a", "CA", "auto", dt.date(2025, 6, 1))
    with pytest.raises(RatingError, match="no auto rate table for FL"):
        table_in_effect(tables, "partner-a", "FL", "auto", dt.date(2026, 6, 1))


def test_a_gap_between_bands_is_located_at_the_band(tmp_path: Path) -> None:
    bad = TABLE_YAML.replace("{from: 25, to: 69, factor: 1.00}", "{from: 26, to: 69, factor: 1.00}")
    path = write_table(tmp_path, bad)
    tables, issues = load_rate_tables(tmp_path)
    assert tables == {}
    assert len(issues) == 1
    issue = issues[0]
    assert issue.path == "$.driver.age_bands[1].from"
    assert issue.message.startswith("starts at 26, but the previous band ends at 24: bands must be contiguous")
    assert issue.location is not None
    assert (issue.location.file, issue.location.line) == (str(path), line_of(bad, "from: 26"))
    assert "^" in issue.render()


def test_an_unknown_key_gets_a_suggestion_and_every_file_reports(tmp_path: Path) -> None:
    typo = TABLE_YAML.replace("  theft_risk:", "  theft_risks:")
    write_table(tmp_path, typo)
    write_table(tmp_path, TABLE_YAML.replace("{from: 2, factor: 1.50}", "{from: 2, to: 4, factor: 1.50}"),
                name="TX-auto-2027.yaml")
    _, issues = load_rate_tables(tmp_path)
    rendered = "\n".join(issue.render() for issue in issues)
    unknown = next(issue for issue in issues if "unknown key" in issue.message)
    assert unknown.message == "unknown key 'theft_risks'"
    assert unknown.hint == "did you mean 'theft_risk'?"
    assert unknown.location is not None and unknown.location.line == line_of(typo, "theft_risks")
    assert "the last band must omit 'to'" in rendered
    assert len(issues) == 3  # the unknown key, then the missing theft_risk it hid; and the open band


@pytest.mark.parametrize(("old", "new", "path", "message"), [
    ("sports: 1.50, ", "", "$.vehicle.type", "no factor for sports"),
    ("{from: 0, to: 24, factor: 1.50}", "{from: 0, to: 24, factor: 0}", "$.driver.age_bands[0].factor",
     "a factor must be in (0, 10], got 0"),
    ("{deductible: 0, factor: 1.10}", "{deductible: 100, factor: 1.10}", "$.coverages.deductible_credits[0].deductible",
     "the first row must be deductible 0"),
    ('zips: ["77002"]', 'zips: ["770"]', "$.territories.areas[1].zips[0]", "ZIP 770 is already in territory TX-HOU"),
    ("pip: {add: 80}", "pip: {add: 80, multiply: 1.1}", "$.coverages.pip", "exactly one of 'multiply'"),
])
def test_cross_field_checks_are_located(old: str, new: str, path: str, message: str) -> None:
    assert old in TABLE_YAML
    parsed, issues = parse_rate_table(TABLE_YAML.replace(old, new), "t.yaml")
    assert parsed is None
    assert [issue.path for issue in issues] == [path]
    assert message in issues[0].message


def test_a_table_must_sit_where_it_says(tmp_path: Path) -> None:
    write_table(tmp_path, TABLE_YAML, tenant="other", name="CA-auto.yaml")
    tables, issues = load_rate_tables(tmp_path)
    assert tables == {}
    assert sorted(issue.path or "" for issue in issues) == ["$.state", "$.tenant"]


def test_two_tables_with_one_effective_date_are_refused(tmp_path: Path) -> None:
    write_table(tmp_path, TABLE_YAML)
    write_table(tmp_path, TABLE_YAML.replace("standard: 1000", "standard: 1100"), name="TX-auto-b.yaml")
    _, issues = load_rate_tables(tmp_path)
    assert len(issues) == 1
    assert "take effect on 2026-01-01" in issues[0].message


def test_aliases_are_refused() -> None:
    aliased = TABLE_YAML.replace("tenant: acme", "tenant: &who acme\nnote: *who")
    parsed, issues = parse_rate_table(aliased, "t.yaml")
    assert parsed is None
    assert "anchors are not allowed" in issues[0].message


def test_content_hash_ignores_formatting_and_catches_any_rate_change() -> None:
    block = "base_premium:\n  premium: 1250.00\n  standard: 1000\n  basic: 800.0"
    flow = "base_premium: {basic: 800, standard: 1000, premium: 1250}"
    reformatted = "# a comment\n" + TABLE_YAML.replace(flow, block)
    assert table(reformatted).content_hash == table().content_hash
    changed = table(TABLE_YAML.replace("high: 1.20", "high: 1.21"))
    assert changed.content_hash != table().content_hash
    assert content_hash(table().spec) == table().content_hash
