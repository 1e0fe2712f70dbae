"""Tenant scoping in one place: every tenant-owned read and write goes through ``TenantRepository``.

A repository is bound to one tenant when it is created: its base SELECT, its UPDATE and DELETE
are already filtered by that tenant and its inserts and upserts are stamped with it, so a call
site cannot forget the filter. A row of another tenant is therefore indistinguishable from a
missing one: both raise the same ``NotFound``, and no write can reach it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Delete, Select, String, Update, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import upsert
from saas.errors import NotFound
from saas.tenancy.row_security import TENANT_OPTION


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
        """The base SELECT every read builds on: already restricted to this tenant (and tagged with
        it, so PostgreSQL's row security is set to the same tenant: ``row_security``)."""
        return self.scoped(select(self.model).where(self.model.tenant_id == self.tenant_id))

    def scoped(self, statement: Any) -> Any:
        return statement.execution_options(**{TENANT_OPTION: self.tenant_id})

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

    def update(self, *where: ColumnElement[bool]) -> Update:
        """An UPDATE of this tenant's rows only (add ``.values(...)``); the tenant column is not settable."""
        return self.scoped(update(self.model).where(self.model.tenant_id == self.tenant_id, *where))

    def delete(self, *where: ColumnElement[bool]) -> Delete:
        return self.scoped(delete(self.model).where(self.model.tenant_id == self.tenant_id, *where))

    def insert(self, **values: Any) -> Any:
        """An INSERT stamped with this tenant that supports ``on_conflict_do_nothing``/``_do_update``."""
        stamped = {**values, "tenant_id": values.get("tenant_id", self.tenant_id)}
        if stamped["tenant_id"] != self.tenant_id:
            raise ValueError(f"row of tenant {stamped['tenant_id']!r} inserted through tenant {self.tenant_id!r}")
        return self.scoped(upsert(self.session, self.model).values(**stamped))

    async def execute(self, statement: Any) -> Any:
        return await self.session.execute(statement)


class SharedOrTenantRepository(TenantRepository[Any]):
    """For tables whose rows are a tenant's or shared by all (``tenant_id`` NULL), like snapshots
    of the model: a tenant reads its own and the shared rows, never another tenant's."""

    def statement(self) -> Select[Any]:
        return self.scoped(select(self.model).where(or_(self.model.tenant_id == self.tenant_id,
                                                         self.model.tenant_id.is_(None))))
