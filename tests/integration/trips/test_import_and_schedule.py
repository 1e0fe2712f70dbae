"""`saas trips import` (COPY on PostgreSQL) and scheduled monthly runs in Redis."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import uuid
import zlib
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from saas.catalog import load_catalog_or_raise
from saas.db import Database
from saas.settings import load_settings
from saas.tenancy.schemas import ScoringSchedule
from saas.tenancy.service import LoadedTenant
from saas.trips.api_schemas import DriverRequest
from saas.trips.csv_import import import_csv
from saas.trips.dispatch import RQDispatcher
from saas.trips.ingest import put_driver
from saas.trips.schedule import ensure_scheduled
from tests.trips_data import month_of_trips

pytestmark = pytest.mark.integration


async def test_csv_import_copies_valid_rows_once_and_names_bad_lines(pg_database: Database, tmp_path: Path) -> None:
    catalog = load_catalog_or_raise(load_settings().tenants_dir, load_settings().rulesets_dir)
    tenant = catalog.tenant("partner-b")
    prefix = uuid.uuid4().hex[:8]
    drivers = [f"{prefix}-{i}" for i in range(3)]
    async with pg_database.session_scope() as session:
        for driver in drivers:
            await put_driver(session, tenant, driver, DriverRequest(state="TX"))
    rows = month_of_trips(drivers, trips_each=2)
    rows.append(dict(rows[0], trip_id=f"{prefix}-bad", miles="-3"))
    rows.append(dict(rows[0], trip_id=f"{prefix}-who", driver_id="nobody"))
    path = tmp_path / "trips.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    first = await import_csv(pg_database, "partner-b", path)
    assert (first.received, first.accepted, first.duplicates, first.rejected) == (8, 6, 0, 2)
    assert [(e.index, e.path) for e in first.errors] == [(6, "$[6].miles"), (7, "$[7].driver_id")]
    again = await import_csv(pg_database, "partner-b", path)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 6, 2)


def test_a_tenant_schedule_becomes_one_scheduled_json_job(redis_url: str) -> None:
    settings = load_settings()
    catalog = load_catalog_or_raise(settings.tenants_dir, settings.rulesets_dir)
    loaded = catalog.tenant("partner-b")
    import msgspec

    scheduled = msgspec.structs.replace(loaded.config, scoring_schedule=ScoringSchedule(day=2, hour_utc=3))

    class Tenants:
        def __init__(self) -> None:
            self.tenants = {"partner-b": LoadedTenant(scheduled, loaded.content_hash, loaded.source)}

    dispatcher = RQDispatcher(redis_url)
    now = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
    assert ensure_scheduled(Tenants(), dispatcher, now) == ["schedule-partner-b-2026-12"]
    assert ensure_scheduled(Tenants(), dispatcher, now) == ["schedule-partner-b-2026-12"]  # a second worker
    registry = ScheduledJobRegistry(queue=Queue("scoring", connection=dispatcher.redis, serializer=JSONSerializer))
    assert "schedule-partner-b-2026-12" in registry.get_job_ids()
    job = Job.fetch("schedule-partner-b-2026-12", connection=dispatcher.redis, serializer=JSONSerializer)
    assert list(job.args) == ["partner-b", "2026-12-02T03:00:00+00:00"]
    assert registry.get_scheduled_time(job) == dt.datetime(2026, 12, 2, 3, tzinfo=dt.UTC)
    raw = dispatcher.redis.hget(job.key, "data")
    with contextlib.suppress(zlib.error):
        raw = zlib.decompress(raw)
    stored = json.loads(raw)  # JSON, never pickle
    assert stored[0] == "saas.trips.schedule.scheduled_run_job"
