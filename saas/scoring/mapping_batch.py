"""Interim."""
from decimal import Decimal

import numpy as np

from saas.scoring.mapping import smooth_safety


def smooth_safety_columns(previous: np.ndarray, has: np.ndarray, current: np.ndarray, weight: Decimal) -> np.ndarray:
    out = []
    for p, h, c in zip(previous.tolist(), has.tolist(), current.tolist(), strict=True):
        v = smooth_safety(Decimal(p) / 10 if h else None, Decimal(c) / 10, weight)
        out.append(int(v * 10))
    return np.array(out, dtype=np.int64)
