"""Where a quote's rate table comes from: a source interface, injected at assembly.

Rating asks a ``RateSource`` for the table in effect and never knows where tables live: today
the files under ``tenants/<id>/rates/`` (``FileRateSource``), with rate versions the database.
Keeping the interface here means rating never imports the package that manages versions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Protocol

from saas.rating.lookups import RateTable
from saas.rating.tables import RateTables, table_in_effect


class RateSource(Protocol):
    """The rate tables a process rates with; implementations cache, the quote path never waits on I/O."""

    def table_in_effect(self, tenant_id: str, state: str, product: str, on: dt.date,
                        transaction: str = "new") -> RateTable:
        """The table for (tenant, state, product) in effect on ``on`` for new business or renewals;
        RatingError when there is none."""
        ...

    def tables(self) -> Iterator[RateTable]:
        """Every table this source can hand out (snapshotted at start-up so decisions replay)."""
        ...


class FileRateSource:
    """Tables loaded once from the tenants directory (``saas.rating.tables.load_rate_tables``)."""

    def __init__(self, tables: RateTables) -> None:
        self._tables = tables

    def table_in_effect(self, tenant_id: str, state: str, product: str, on: dt.date,
                        transaction: str = "new") -> RateTable:
        """Files carry one effective date for both kinds of transaction."""
        return table_in_effect(self._tables, tenant_id, state, product, on)

    def tables(self) -> Iterator[RateTable]:
        for versions in self._tables.values():
            yield from versions
