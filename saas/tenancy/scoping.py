"""Tenant scoping in one place: every tenant-owned read starts from ``TenantRepository.statement()``.

A repository is bound to one tenant when it is created, and its base statement is already
filtered by that tenant, so a call site cannot forget the filter. A row of another tenant is
therefore indistinguishable from a missing one: both raise the same ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from saas.errors import NotFound


class TenantOwned:
    """Mixin for tables whose every row belongs to exactly one tenant."""

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)


M = TypeVar("M", bound=TenantOwned)


class TenantRepository(Generic[M]):
    """Reads and adds rows of ``model`` for one tenant only; subclasses set ``model``."""

    model: ClassVar[type[Any]]
    noun: ClassVar[str] = "object"

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def statement(self) -> Select[M]:
        """The base SELECT every read builds on: already restricted to this tenant."""
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    async def get_one_or_none(self, *where: ColumnElement[bool]) -> M | None:
        result = await self.session.execute(self.statement().where(*where))
        return result.scalars().one_or_none()

    async def get_one(self, *where: ColumnElement[bool], ident: str = "") -> M:
        """The single matching row; another tenant's row raises exactly like a missing one."""
        row = await self.get_one_or_none(*where)
        if row is None:
            raise NotFound(f"{self.noun} {ident} not found".replace("  ", " "))
        return row

    async def list(self, *where: ColumnElement[bool], order_by: Sequence[Any] = ()) -> list[M]:
        result = await self.session.execute(self.statement().where(*where).order_by(*order_by))
        return list(result.scalars().all())

    def add(self, row: M) -> M:
        """Stage a new row for this tenant; a row stamped with another tenant is a bug, refused."""
        if row.tenant_id is None:
            row.tenant_id = self.tenant_id
        elif row.tenant_id != self.tenant_id:
            raise ValueError(f"row of tenant {row.tenant_id!r} added through tenant {self.tenant_id!r}")
        self.session.add(row)
        return row
