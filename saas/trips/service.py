"""The trips and scoring-run service: what the API and the CLI call.

It is handed its parts (database, decision log, tenants, models, dispatcher) by the assembly. A
run pins the tenant's live model (its ``model:`` pin, else the default). It starts runs and hands
their chunks to the dispatcher after the run is committed, so a worker never sees a chunk whose run
does not exist yet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import msgspec

from saas.audit.decisions import DecisionLog
from saas.db import Database
from saas.scoring.selection import TenantModels
from saas.settings import DEFAULT_CHUNK_DRIVERS
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import DriverRequest, DriverView, IngestReport, RawReport, RunView, ScoreHistory
from saas.trips.detection import DETECTOR_VERSION, detect
from saas.trips.history import score_history
from saas.trips.ingest import ingest_batch, put_driver, store_trips
from saas.trips.jobs import Dispatcher, Tenants
from saas.trips.models import ScoringChunkRow
from saas.trips.repository import Chunks, Drivers, Runs
from saas.trips.results import csv_header, csv_of, result_rows
from saas.trips.resume import Resumed, resume
from saas.trips.runs import plan_run, run_view
from saas.trips.schemas import RawTrip


class TripService:
    def __init__(self, db: Database, decisions: DecisionLog, tenants: Tenants, models: TenantModels,
                 dispatcher: Dispatcher, *, chunk_drivers: int = DEFAULT_CHUNK_DRIVERS) -> None:
        self.db, self.decisions, self.tenants = db, decisions, tenants
        self.models, self.dispatcher, self.chunk_drivers = models, dispatcher, chunk_drivers

    async def put_driver(self, tenant_id: str, driver_id: str, request: DriverRequest) -> tuple[DriverView, bool]:
        async with self.db.session_scope() as session:
            return await put_driver(session, self.tenants.tenant(tenant_id), driver_id, request)

    async def get_driver(self, tenant_id: str, driver_id: str) -> DriverView:
        async with self.db.sessions() as session:
            row = await Drivers(session, tenant_id).get(driver_id)
            return DriverView(row.driver_id, row.state, row.prior_claim_count, row.updated_at)

    async def ingest(self, tenant_id: str, body: bytes) -> IngestReport:
        async with self.db.session_scope() as session:
            return await ingest_batch(session, tenant_id, body)

    async def ingest_raw(self, tenant_id: str, trip: RawTrip) -> RawReport:
        summary = detect(trip)
        async with self.db.session_scope() as session:
            inserted, errors = await store_trips(session, tenant_id, [(0, summary)], DETECTOR_VERSION)
        if errors:
            from saas.errors import ValidationFailed

            raise ValidationFailed(errors[0].detail, path="$.driver_id")
        return RawReport(summary.trip_id, summary.driver_id, inserted == 0, DETECTOR_VERSION,
                         msgspec.to_builtins(summary))

    async def start_run(self, tenant_id: str, period: str, *, explain: bool, requested_by: str) -> RunView:
        tenant = self.tenants.tenant(tenant_id)
        async with self.db.session_scope() as session:
            planned = await plan_run(session, tenant, period, explain=explain,
                                     model_version=self.models.live(tenant).version,
                                     requested_by=requested_by, chunk_drivers=self.chunk_drivers)
        if planned.chunks:
            self.dispatcher.enqueue_run(tenant_id, planned.run.id, period, planned.chunks)
        return await self.run(tenant_id, planned.run.id)

    async def resume(self, tenants: Iterable[LoadedTenant]) -> Resumed:
        """On a server's start: unfinished runs and pending deliveries go back to an in-process queue."""
        return await resume(self.db, self.decisions, tenants, self.dispatcher)

    async def run(self, tenant_id: str, run_id: str) -> RunView:
        async with self.db.sessions() as session:
            return await run_view(session, tenant_id, run_id)

    async def results(self, tenant_id: str, run_id: str, fmt: str) -> AsyncIterator[bytes]:
        """The run's rows streamed in driver order (JSONL: the bytes the checksum is over)."""
        async with self.db.sessions() as session:
            run = await Runs(session, tenant_id).get(run_id)
            done = [c for c in await Chunks(session, tenant_id).of_run(run_id) if c.status == "done"]
        return self._stream(tenant_id, run.period, done, fmt)

    async def _stream(self, tenant_id: str, period: str, done: list[ScoringChunkRow],
                      fmt: str) -> AsyncIterator[bytes]:
        if fmt == "csv":
            yield csv_header()
        async with self.db.sessions() as session:
            async for line in result_rows(session, tenant_id, period, done):
                yield csv_of(line) if fmt == "csv" else msgspec.json.encode(line) + b"\n"

    async def history(self, tenant_id: str, driver_id: str) -> ScoreHistory:
        async with self.db.sessions() as session:
            return await score_history(session, tenant_id, driver_id)
