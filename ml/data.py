"""Tables for training and scoring: reading, generic caps, held-out rows and claim amounts.

Nothing here knows a data set. A published protocol is reproduced with options: caps (``--clip
ClaimNb=4``), a file of held-out row positions (``--test-rows``, e.g. Noll et al.'s freMTPL2 test
policies) and a claims file summed per policy id (``--claims``). Without a row file the held-out
rows are a seeded 20%, the split the frequency path always used; every objective and the pure
premium report draw the same rows from the same options, so a frequency and a severity model
trained on one table are judged on the same policies.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

HOLDOUT_SHARE = 0.2


def parse_clip(text: str) -> tuple[str, float]:
    """``COLUMN=MAX`` → (column, max): an upper cap applied right after reading."""
    column, sep, value = text.partition("=")
    if not sep or not column:
        raise ValueError(f"expected COLUMN=MAX, got {text!r}")
    return column, float(value)


def read_table(path: Path, *, nrows: int | None = None, clips: Iterable[tuple[str, float]] = ()) -> pd.DataFrame:
    frame = pd.read_csv(path, nrows=nrows)
    for column, upper in clips:
        if column not in frame:
            raise ValueError(f"--clip {column}: no such column in {path}")
        frame[column] = frame[column].clip(upper=upper)
    return frame


def read_row_positions(path: Path) -> np.ndarray:
    """0-based data-row positions (header excluded), one per line; '#' lines are comments; .gz is read
    compressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        return np.array([int(line) for line in handle if line.strip() and not line.startswith("#")], dtype=np.int64)


def holdout_split(rows: int, test_rows: Path | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(learning rows, held-out rows) as positions: the listed ones (positions past the table's end
    ignored), or a seeded 20%."""
    if test_rows is None:
        learn, test = train_test_split(np.arange(rows), test_size=HOLDOUT_SHARE, random_state=seed)
        return np.asarray(learn), np.asarray(test)
    mask = np.zeros(rows, dtype=bool)
    positions = read_row_positions(test_rows)
    mask[positions[(positions >= 0) & (positions < rows)]] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def join_claims(frame: pd.DataFrame, claims: Path, *, id_column: str, amount_column: str) -> pd.DataFrame:
    """The table with ``amount_column`` = the sum of the claims file's amounts per id (0 for none)."""
    amounts = pd.read_csv(claims, usecols=[id_column, amount_column]).groupby(id_column)[amount_column].sum()
    out = frame.drop(columns=[amount_column], errors="ignore")
    out[amount_column] = out[id_column].map(amounts).fillna(0.0).to_numpy(np.float64)
    return out
