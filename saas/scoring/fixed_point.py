"""Integer counts of 10⁻ᵖ → the Decimals (or their text) a ``quantize`` to p places would give.

Exact decimals travel through monthly scoring as integers (multipliers in millionths, safety scores
in tenths): making a ``Decimal`` per driver was most of what a list of mappings cost. These turn a
column back into Decimals or strings only where a caller needs them (a SQLite insert, an export
line), sharing one object per value where a column has few.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from saas.money import MONEY


def fixed_decimals(counts: np.ndarray, places: int) -> list[Decimal]:
    """Counts of 10⁻ᵖˡᵃᶜᵉˢ → Decimals with exactly that exponent (what ``quantize`` returns).

    A column of few distinct values (safety scores: at most 1001; tier or band multipliers) shares
    one Decimal per value: making Decimals is most of the cost of a list of ``ScoreMapping``."""
    c = np.asarray(counts, dtype=np.int64)
    if not len(c):
        return []
    if (low := int(c.min())) + 2 * len(c) > int(c.max()):
        table = np.array([Decimal(v).scaleb(-places, MONEY) for v in range(low, int(c.max()) + 1)], dtype=object)
        return table[c - low].tolist()
    if len(np.unique(c[:1024])) * 8 <= min(len(c), 1024):
        values, index = np.unique(c, return_inverse=True)
        return np.array(fixed_decimals(values, places), dtype=object)[index].tolist()
    return [Decimal(v).scaleb(-places, MONEY) for v in c.tolist()]


def fixed_strings(counts: np.ndarray, places: int) -> list[str]:
    """Counts of 10⁻ᵖˡᵃᶜᵉˢ → ``str`` of those Decimals (``"1.250000"``, ``"-0.5"``), without Decimals."""
    c = np.asarray(counts, dtype=np.int64)
    if len(c) and (low := int(c.min())) + len(c) // 4 > int(c.max()):  # a narrow range (safety scores): a table
        table = np.array(_formatted(np.arange(low, int(c.max()) + 1), places), dtype=object)
        return list(table[c - low].tolist())
    return _formatted(c, places)


def _formatted(c: np.ndarray, places: int) -> list[str]:
    whole, frac = np.divmod(np.abs(c), 10 ** places)
    signs = np.where(c < 0, "-", "").tolist()
    return [f"{s}{w}.{f:0{places}d}" for s, w, f in zip(signs, whole.tolist(), frac.tolist(), strict=True)]
