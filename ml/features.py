"""Model inputs of a table: numeric columns as numbers, every other column as a category.

A column pandas reads as non-numeric (on freMTPL2: Area, VehBrand, VehGas, Region) becomes a
categorical feature for xgboost's native categorical splits instead of being dropped. Its categories
are learned on the fitting rows only (sorted, as text) and stored in ``preprocess.json``; a value is
replaced by its position (``artifacts.CategoryCodes``, which serving uses too), so a category
the fitting rows never showed is simply missing. Numeric columns keep the median imputer and
standard scaler of ``ml.train``, and an all-numeric table gives exactly the artifacts it always did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml import artifacts
from ml.train import apply_preprocess, fit_preprocess


def select_features(frame: pd.DataFrame, exclude: Iterable[str]) -> tuple[list[str], list[str]]:
    """Every column not excluded, in table order, with its kind."""
    skip = set(exclude)
    names = [c for c in frame.columns if c not in skip]
    kinds = [artifacts.NUMERIC if pd.api.types.is_numeric_dtype(frame[c]) else artifacts.CATEGORICAL for c in names]
    return names, kinds


def raw_matrix(frame: pd.DataFrame, pre: artifacts.Preprocess) -> np.ndarray:
    """The float matrix serving receives: numbers as they are, categories as training codes."""
    kinds = pre.feature_kinds()
    columns = [artifacts.CategoryCodes(pre.categories[n]).codes(frame[n]) if k == artifacts.CATEGORICAL
               else frame[n].to_numpy(np.float64) for n, k in zip(pre.feature_names, kinds, strict=True)]
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def fit_inputs(frame: pd.DataFrame, names: Sequence[str], kinds: Sequence[str], rows: np.ndarray
               ) -> artifacts.Preprocess:
    """Categories, medians, means and scales from ``rows`` only. A categorical feature's entries are
    (null, 0, 1): its codes pass through imputation and scaling untouched, missing stays missing."""
    categorical = [n for n, k in zip(names, kinds, strict=True) if k == artifacts.CATEGORICAL]
    numeric = [n for n in names if n not in categorical]
    fitted = fit_preprocess(frame[numeric].to_numpy(np.float64)[rows], numeric)
    if not categorical:
        return fitted
    stats = {n: (fitted.medians[i], fitted.means[i], fitted.scales[i]) for i, n in enumerate(numeric)}
    seen = frame[categorical].iloc[rows]
    return artifacts.Preprocess(
        feature_names=list(names),
        medians=[stats[n][0] if n in stats else None for n in names],
        means=[stats[n][1] if n in stats else 0.0 for n in names],
        scales=[stats[n][2] if n in stats else 1.0 for n in names],
        kinds=list(kinds),
        categories={n: sorted({str(v) for v in seen[n] if not artifacts.is_missing(v)}) for n in categorical})


@dataclass(frozen=True)
class Inputs:
    """A table's model inputs: ``raw`` (what serving receives; the drift bins), ``X`` (imputed and
    scaled: what the trees and the GLM see) and the preprocessing that maps one to the other."""

    pre: artifacts.Preprocess
    raw: np.ndarray
    X: np.ndarray

    @property
    def names(self) -> list[str]:
        return self.pre.feature_names

    def trees(self, rows: np.ndarray) -> pd.DataFrame:
        return tree_frame(self.X[rows], self.pre)

    def glm(self) -> np.ndarray:
        return glm_design(self.X, self.pre)


def prepare_inputs(frame: pd.DataFrame, exclude: Iterable[str], fit_rows: np.ndarray) -> Inputs:
    names, kinds = select_features(frame, exclude)
    pre = fit_inputs(frame, names, kinds, fit_rows)
    raw = raw_matrix(frame, pre)
    return Inputs(pre=pre, raw=raw, X=apply_preprocess(pre, raw))


def tree_frame(X: np.ndarray, pre: artifacts.Preprocess) -> pd.DataFrame:
    """Transformed inputs as a frame xgboost reads: categorical columns as pandas categoricals over
    the stored categories (their codes are the stored codes), the rest as floats."""
    out = pd.DataFrame(X, columns=pre.feature_names)
    for name, categories in pre.categories.items():
        codes = np.nan_to_num(out[name].to_numpy(), nan=-1).astype(np.int64)
        out[name] = pd.Categorical.from_codes(codes, categories=categories)
    return out


def glm_design(X: np.ndarray, pre: artifacts.Preprocess) -> np.ndarray:
    """Scaled numeric columns plus dummies of each category but the first (missing: all zeros),
    the GLM baseline's view of the same inputs."""
    blocks = []
    for i, kind in enumerate(pre.feature_kinds()):
        if kind == artifacts.NUMERIC:
            blocks.append(X[:, i:i + 1])
        else:
            levels = np.arange(1, len(pre.categories[pre.feature_names[i]]))
            blocks.append((X[:, i:i + 1] == levels[None, :]).astype(np.float64))
    return np.hstack(blocks) if blocks else np.empty((len(X), 0))
