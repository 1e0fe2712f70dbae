"""BISG and BIFSG: P(group | surname, zip[, first name]) from the Census tables, our own arithmetic.

    P(g | s, z)    ∝ P(g | s) · P(z | g)                         (Elliott et al. 2009; CFPB 2014)
    P(g | s, f, z) ∝ P(g | s) · P(z | g) · P(f | g)              (Voicu 2018)

with P(f | g) ∝ P(g | f) / P(g) (``census``). An unmatched surname falls back to the geography
alone (the prior becomes the national P(g), so the result is P(g | z)); an unmatched ZIP to the
surname alone; an unmatched first name is left out. When the matched tables contradict each other
(every group has a zero somewhere), the first name, then the ZIP, is dropped, in that order. A row
with neither surname nor ZIP matched has no proxy: it is counted, not stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saas.fairness.census import CensusTables, normalise_name

METHODS = ("bifsg", "bisg", "surname_only", "geography_only", "unresolved")
"""How each row's probabilities were obtained, best first."""


@dataclass(frozen=True)
class Proxies:
    probabilities: np.ndarray
    """n × 6 (``census.GROUPS`` order), rows summing to 1; NaN for unresolved rows."""
    methods: list[str]


def combine(surname: np.ndarray, zips: np.ndarray, first: np.ndarray, national: np.ndarray) -> Proxies:
    """The posterior per row from looked-up table rows (NaN rows: not matched)."""
    n = len(surname)
    has_s, has_z, has_f = (~np.isnan(a).any(axis=1) for a in (surname, zips, first))
    prior = np.where(has_s[:, None], surname, national[None, :])
    z_term = np.where(has_z[:, None], zips, 1.0)
    f_term = np.where(has_f[:, None], np.divide(first, national[None, :]), 1.0)
    out = np.full((n, len(national)), np.nan)
    methods = ["unresolved"] * n
    none = np.zeros(n, bool)
    attempts = ((prior * z_term * f_term, has_z, has_f), (prior * z_term, has_z, none), (prior, none, none))
    for numerator, zip_used, first_used in attempts:
        total = numerator.sum(axis=1)
        take = np.isnan(out[:, 0]) & (total > 0) & (has_s | zip_used)
        out[take] = numerator[take] / total[take, None]
        for i in np.flatnonzero(take):
            methods[i] = _method(bool(has_s[i]), bool(zip_used[i]), bool(first_used[i]))
    return Proxies(out, methods)


def _method(surname: bool, zip_used: bool, first: bool) -> str:
    if surname and zip_used:
        return "bifsg" if first else "bisg"
    return "surname_only" if surname else "geography_only"


def proxies_for(tables: CensusTables, surnames: list[str], zips: list[str],
                first_names: list[str | None]) -> Proxies:
    """Normalise names (``census.normalise_name``), look them up, combine."""
    s = tables.lookup(tables.surnames, [normalise_name(x) for x in surnames])
    z = tables.lookup(tables.zips, [x[:5] for x in zips])
    f = tables.lookup(tables.first_names, [normalise_name(x) if x else "" for x in first_names])
    return combine(s, z, f, tables.national)
