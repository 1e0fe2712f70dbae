"""Generic table options: caps, held-out row files, the seeded split and the claims join."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from ml.data import holdout_split, join_claims, parse_clip, read_row_positions, read_table

pytestmark = pytest.mark.unit


def test_clip_caps_a_column_after_reading(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"ClaimNb": [0, 1, 5, 11], "Exposure": [0.5, 1.0, 1.3, 2.0]}).to_csv(path, index=False)
    frame = read_table(path, clips=[parse_clip("ClaimNb=4"), parse_clip("Exposure=1")])
    assert frame["ClaimNb"].tolist() == [0, 1, 4, 4] and frame["Exposure"].tolist() == [0.5, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="COLUMN=MAX"):
        parse_clip("ClaimNb")
    with pytest.raises(ValueError, match="no such column"):
        read_table(path, clips=[("Nope", 1.0)])


def test_row_positions_plain_or_gzipped_with_comments(tmp_path: Path) -> None:
    plain, packed = tmp_path / "rows.txt", tmp_path / "rows.txt.gz"
    plain.write_text("# test rows\n3\n0\n\n7\n")
    with gzip.open(packed, "wt") as handle:
        handle.write(plain.read_text())
    assert read_row_positions(plain).tolist() == read_row_positions(packed).tolist() == [3, 0, 7]
    learn, test = holdout_split(5, plain, seed=1)
    assert test.tolist() == [0, 3] and learn.tolist() == [1, 2, 4]


def test_default_holdout_is_the_seeded_20_percent_the_frequency_path_always_used() -> None:
    learn, test = holdout_split(100, None, seed=42)
    old_learn, old_test = train_test_split(np.arange(100), test_size=0.2, random_state=42)
    assert learn.tolist() == old_learn.tolist() and test.tolist() == old_test.tolist()


def test_claims_are_summed_per_policy(tmp_path: Path) -> None:
    claims = tmp_path / "sev.csv"
    pd.DataFrame({"IDpol": [2, 2, 3, 9], "ClaimAmount": [100.0, 50.0, 7.5, 1.0]}).to_csv(claims, index=False)
    frame = pd.DataFrame({"IDpol": [1, 2, 3], "ClaimNb": [0, 2, 1]})
    joined = join_claims(frame, claims, id_column="IDpol", amount_column="ClaimAmount")
    assert joined["ClaimAmount"].tolist() == [0.0, 150.0, 7.5]
    assert "ClaimAmount" not in frame
