"""The compliance feature's service: notices and the register for the API, bundles for API and CLI."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any, Protocol

from saas.compliance.bundle import BundleMaker
from saas.compliance.register import period_bounds, read_notice, register
from saas.compliance.schemas import Notice, Register
from saas.db import Database
from saas.tenancy.service import LoadedTenant

STREAM_CHUNK = 1 << 20


class Tenants(Protocol):
    def tenant(self, tenant_id: str) -> LoadedTenant: ...


class ComplianceService:
    def __init__(self, db: Database, tenants: Tenants, bundles: BundleMaker) -> None:
        self.db, self.tenants, self.bundles = db, tenants, bundles

    async def notice(self, tenant_id: str, decision_id: str) -> Notice:
        async with self.db.sessions() as session:
            return await read_notice(session, tenant_id, decision_id)

    async def register(self, tenant_id: str, period: str) -> Register:
        period_bounds(period)
        async with self.db.sessions() as session:
            return await register(session, self.tenants.tenant(tenant_id), period)

    async def bundle(self, tenant_id: str, period: str, out: IO[bytes], *, made_by: str) -> dict[str, Any]:
        period_bounds(period)
        return await self.bundles.write(self.tenants.tenant(tenant_id), period, out, made_by=made_by)

    async def bundle_stream(self, tenant_id: str, period: str, *, made_by: str) -> AsyncIterator[bytes]:
        """The bundle made into a temporary file (a zip's directory comes last), then sent a chunk at a
        time: memory holds one chunk, whatever the bundle's size. The file is gone once sent."""
        period_bounds(period)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the generator once sent)
        try:
            await self.bundle(tenant_id, period, spool, made_by=made_by)
        except BaseException:
            spool.close()
            raise
        return _chunks(spool)


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        spool.seek(0)
        while block := spool.read(STREAM_CHUNK):
            yield block
    finally:
        spool.close()
