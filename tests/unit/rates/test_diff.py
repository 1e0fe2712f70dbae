"""Factor-level rate table diffs: shipped tables, natural keys, re-cut bands, reformatting, rendering."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from saas.rates.diff import Change, RateDiff, diff_tables, render_text
from saas.rating.lookups import content_hash
from saas.rating.schemas import RateTableSpec
from saas.rating.tables import parse_rate_table
from saas.settings import ROOT

pytestmark = pytest.mark.unit

RATES = ROOT / "tenants" / "partner-a" / "rates"
CA_TEXT = (RATES / "CA-auto.yaml").read_text(encoding="utf-8")


def spec_of(text: str) -> RateTableSpec:
    table, issues = parse_rate_table(text, "test.yaml")
    assert [issue.render() for issue in issues] == []
    assert table is not None
    return table.spec


def edited(*replacements: tuple[str, str]) -> RateTableSpec:
    """The shipped CA table with each ``old`` text replaced (exactly once) by ``new``."""
    text = CA_TEXT
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return spec_of(text)


CA = spec_of(CA_TEXT)
SPLIT_75_PLUS = ("    - {from: 75, factor: 1.22}\n",
                 "    - {from: 75, to: 79, factor: 1.22}\n    - {from: 80, factor: 1.30}\n")


def test_shipped_2027_revision_is_a_base_rate_change_and_a_new_effective_date() -> None:
    new = spec_of((RATES / "CA-auto-2027.yaml").read_text(encoding="utf-8"))
    assert diff_tables(CA, new) == RateDiff(
        rates=[
            Change("base_premium.basic", "changed", "608.00", "650.00", Decimal("6.907894736842105263157894737")),
            Change("base_premium.standard", "changed", "780.00", "834.00", Decimal("6.923076923076923076923076923")),
            Change("base_premium.premium", "changed", "991.00", "1059.00", Decimal("6.861755802219979818365287588")),
        ],
        metadata=[Change("effective_date", "changed", "2026-01-01", "2027-01-01")],
    )


def test_a_table_against_itself_has_no_changes() -> None:
    assert diff_tables(CA, CA).empty


def test_reordering_keys_and_reformatting_numbers_yield_no_changes() -> None:
    other = edited(
        ("tenant: partner-a\n", ""),
        ("effective_date: 2026-01-01\n", "effective_date: 2026-01-01\ntenant: partner-a\n"),
        ("{deductible: 1000, factor: 0.91}", "{factor: 0.910, deductible: 1000.00}"),
        ("{sedan: 1.00, suv: 1.06, truck: 1.09, van: 1.03, sports: 1.38, ev: 1.04}",
         "\n    ev: 1.04\n    sports: 1.380\n    van: 1.03\n    truck: 1.09\n    suv: 1.06\n    sedan: 1"),
        ("standard: 780.00", "standard: 780"),
    )
    assert msgspec.json.encode(other) != msgspec.json.encode(CA)
    assert content_hash(other) == content_hash(CA)
    assert diff_tables(CA, other) == RateDiff(rates=[], metadata=[])
    assert render_text(diff_tables(CA, other)) == "No changes.\n"


def test_reordering_territories_and_zips_yields_no_changes() -> None:
    """The content hash sees list order; the diff, keyed by code and ZIP, does not."""
    areas = CA_TEXT[CA_TEXT.index("    - {code: CA-LA-1"):CA_TEXT.index("vehicle:")]
    other = edited(
        (areas, "".join(reversed(areas.splitlines(keepends=True)))),
        ('zips: ["900", "901"]', "zips: ['901', \"900\"]"),
    )
    assert content_hash(other) != content_hash(CA)
    assert diff_tables(CA, other).empty


def test_territories_are_keyed_by_code_and_zips_are_a_set() -> None:
    new = edited(
        ('{code: CA-SF, factor: 1.18, zips: ["941"]}', '{code: CA-SF, factor: 1.24, zips: ["94105", "941"]}'),
        ('    - {code: CA-SAC, factor: 1.04, zips: ["95814"]}\n', ""),
        ('    - {code: CA-LA-1,', '    - {code: CA-SJ, factor: 1.10, zips: ["951", "952"]}\n    - {code: CA-LA-1,'),
        ('zips: ["900", "901"]', 'zips: ["900"]'),
    )
    assert diff_tables(CA, new).rates == [
        Change("territories.areas[CA-LA-2].zips[901]", "removed", "901", None),
        Change("territories.areas[CA-SF].factor", "changed", "1.18", "1.24", Decimal("5.084745762711864406779661017")),
        Change("territories.areas[CA-SF].zips[94105]", "added", None, "94105"),
        Change("territories.areas[CA-SAC]", "removed", "{factor: 1.04, zips: [95814]}", None),
        Change("territories.areas[CA-SJ]", "added", None, "{factor: 1.10, zips: [951, 952]}"),
    ]


def test_a_band_re_cut_is_removed_and_added_bands_and_a_factor_change_keeps_its_range() -> None:
    new = edited(
        ("    - {from: 20, to: 24, factor: 1.45}\n",
         "    - {from: 20, to: 22, factor: 1.50}\n    - {from: 23, to: 24, factor: 1.40}\n"),
        SPLIT_75_PLUS,
        ("{from: 1, to: 1, factor: 1.20}", "{from: 1, to: 1, factor: 1.26}"),
        ("{from: 20000, factor: 1.18}", "{from: 20000, factor: 1.239}"),
    )
    assert diff_tables(CA, new).rates == [
        Change("driver.age_bands[20-24]", "removed", "{factor: 1.45}", None),
        Change("driver.age_bands[75+]", "removed", "{factor: 1.22}", None),
        Change("driver.age_bands[20-22]", "added", None, "{factor: 1.50}"),
        Change("driver.age_bands[23-24]", "added", None, "{factor: 1.40}"),
        Change("driver.age_bands[75-79]", "added", None, "{factor: 1.22}"),
        Change("driver.age_bands[80+]", "added", None, "{factor: 1.30}"),
        Change("driver.violations[1-1].factor", "changed", "1.20", "1.26", Decimal(5)),
        Change("mileage_bands[20000+].factor", "changed", "1.18", "1.239", Decimal("5.0")),
    ]


def test_coverage_loads_and_deductible_credits() -> None:
    new = edited(
        ("  comprehensive: {multiply: 1.07}\n", ""),
        ("collision: {multiply: 1.18}", "collision: {add: 120.00}"),
        ("pip: {add: 95.00}", "pip: {add: 0}"),
        ("{deductible: 1000, factor: 0.91}", "{deductible: 1000, factor: 0.90}"),
        ("    - {deductible: 2000, factor: 0.84}\n", ""),
    )
    back = diff_tables(new, CA).rates
    assert diff_tables(CA, new).rates == [
        Change("coverages.collision.multiply", "removed", "1.18", None),
        Change("coverages.collision.add", "added", None, "120.00"),
        Change("coverages.comprehensive", "removed", "{multiply: 1.07}", None),
        Change("coverages.pip.add", "changed", "95.00", "0", Decimal("-100")),
        Change("coverages.deductible_credits[1000].factor", "changed", "0.91", "0.90",
               Decimal("-1.098901098901098901098901099")),
        Change("coverages.deductible_credits[2000]", "removed", "{factor: 0.84}", None),
    ]
    assert Change("coverages.pip.add", "changed", "0", "95.00", None) in back
    assert Change("coverages.comprehensive", "added", None, "{multiply: 1.07}") in back


def test_optional_factor_tables_and_metadata_are_reported_apart() -> None:
    new = edited(
        ("  no_credit: 1.00\n", "  no_credit: 1.00\n  gender: {female: 1.00, male: 1.05, nonbinary: 1.00, "
                                 "unspecified: 1.00}\n"),
        ("effective_date: 2026-01-01", "effective_date: 2026-07-01"),
        ("safety_rating: {1: 1.20,", "safety_rating: {1: 1.25,"),
    )
    diff = diff_tables(CA, new)
    assert diff.metadata == [Change("effective_date", "changed", "2026-01-01", "2026-07-01")]
    assert diff.rates == [
        Change("vehicle.safety_rating.1", "changed", "1.20", "1.25", Decimal("4.166666666666666666666666667")),
        Change("driver.gender", "added", None, "{female: 1.00, male: 1.05, nonbinary: 1.00, unspecified: 1.00}"),
    ]


def test_every_shipped_table_diffs_against_partner_a_ca() -> None:
    """Every list in every shipped table is keyed or a set (an unkeyed list of entries would raise)."""
    specs = [spec_of(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "tenants").glob("*/rates/*.yaml"))]
    for other in specs:
        diff = diff_tables(CA, other)
        assert diff.empty == (other == CA)
        assert diff_tables(other, other).empty


def test_render_text_shows_old_and_new_lines_with_percent() -> None:
    new = edited(
        ('{code: CA-SF, factor: 1.18, zips: ["941"]}', '{code: CA-SF, factor: 1.24, zips: ["941"]}'),
        ("effective_date: 2026-01-01", "effective_date: 2027-01-01"),
        SPLIT_75_PLUS,
        ("{deductible: 1000, factor: 0.91}", "{deductible: 1000, factor: 0.90}"),
    )
    assert render_text(diff_tables(CA, new)) == (
        "Metadata changes (1):\n"
        "- effective_date  2026-01-01\n"
        "+ effective_date  2027-01-01\n"
        "Rate changes (5):\n"
        "- coverages.deductible_credits[1000].factor  0.91\n"
        "+ coverages.deductible_credits[1000].factor  0.90  (-1.10%)\n"
        "- territories.areas[CA-SF].factor            1.18\n"
        "+ territories.areas[CA-SF].factor            1.24  (+5.08%)\n"
        "- driver.age_bands[75+]                      {factor: 1.22}\n"
        "+ driver.age_bands[75-79]                    {factor: 1.22}\n"
        "+ driver.age_bands[80+]                      {factor: 1.30}\n"
    )


def test_diff_round_trips_as_json() -> None:
    diff = diff_tables(CA, spec_of((RATES / "CA-auto-2027.yaml").read_text(encoding="utf-8")))
    assert msgspec.json.decode(msgspec.json.encode(diff), type=RateDiff) == diff


def test_no_path_uses_a_list_position() -> None:
    new = edited(("    - {from: 0, to: 19, factor: 1.95}\n    - {from: 20, to: 24, factor: 1.45}\n",
                  "    - {from: 0, to: 17, factor: 2.10}\n    - {from: 18, to: 24, factor: 1.60}\n"))
    paths = [change.path for change in diff_tables(CA, new).rates]
    assert paths == ["driver.age_bands[0-19]", "driver.age_bands[20-24]", "driver.age_bands[0-17]",
                     "driver.age_bands[18-24]"]


def test_a_repeated_territory_code_is_told_apart_by_occurrence() -> None:
    new = edited(("{code: CA-LA-2, factor: 1.22", "{code: CA-LA-1, factor: 1.22"))
    assert diff_tables(CA, new).rates == [
        Change("territories.areas[CA-LA-2]", "removed", "{factor: 1.22, zips: [900, 901]}", None),
        Change("territories.areas[CA-LA-1#2]", "added", None, "{factor: 1.22, zips: [900, 901]}"),
    ]
