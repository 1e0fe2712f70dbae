"""Drivers, trips and scoring-run endpoints: thin handlers over ``TripService``.

Roles are checked before the body is read (a caller without the right learns nothing about the
body's shape). Every lookup is scoped to the caller's tenant, so another tenant's driver, run or
scores answer 404 exactly like unknown ones.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post, put, route
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from saas.errors import NotFound, ValidationFailed
from saas.http_body import PathId, check_structure, documented_body, read_body
from saas.tenancy.guards import PrincipalDep, allow
from saas.trips import examples
from saas.trips.api_schemas import DriverRequest, DriverView, IngestReport, RawReport, RunRequest, RunView, ScoreHistory
from saas.trips.schemas import RawTrip, TripUpload
from saas.trips.service import TripService

TripsDep = NamedDependency[TripService]
"""The trips and scoring-run service, provided by the app factory as ``trips``."""
WRITE = frozenset({"rating", "admin"})
READ = frozenset({"rating", "compliance", "admin"})
RUN = frozenset({"admin"})
RUN_READ = frozenset({"admin", "compliance"})
ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
Id = PathId


def known_id(value: str, noun: str) -> str:
    """An id that cannot exist is simply not found (no hint about the id format of stored rows)."""
    if not ENTITY.match(value):
        raise NotFound(f"{noun} {value[:64]} not found")
    return value


@put("/v1/drivers/{driver_id:str}", operation_id="putDriver", tags=["trips"], status_code=200, guards=[allow(WRITE)],
     dependencies=documented_body(DriverRequest, examples.DRIVER),
     responses={201: ResponseSpec(data_container=DriverView, generate_examples=False,
                                  description="the driver was created (200: an existing driver was replaced)")})
async def put_driver(trips: TripsDep, principal: PrincipalDep, driver_id: Id,
                     request: Request[Any, Any, Any]) -> Response[DriverView]:
    """Create (201) or replace (200) a driver: the state they are rated in and their prior claims."""
    if not ENTITY.match(driver_id):
        raise ValidationFailed("driver id must be 1–64 letters, digits, '_' or '-'", path="$.driver_id")
    body = await read_body(request, DriverRequest)
    view, created = await trips.put_driver(principal.tenant_id, driver_id, body)
    return Response(view, status_code=201 if created else 200)


@get("/v1/drivers/{driver_id:str}", operation_id="getDriver", tags=["trips"], guards=[allow(READ)])
async def get_driver(trips: TripsDep, principal: PrincipalDep, driver_id: Id) -> DriverView:
    return await trips.get_driver(principal.tenant_id, known_id(driver_id, "driver"))


@post("/v1/trips", operation_id="ingestTrips", tags=["trips"], status_code=200, guards=[allow(WRITE)],
      dependencies=documented_body(TripUpload, examples.TRIPS))
async def ingest_trips(trips: TripsDep, principal: PrincipalDep, request: Request[Any, Any, Any]) -> IngestReport:
    """Up to 10,000 trip summaries: valid rows land, invalid rows are listed by index and path,
    and trips already stored (same trip id) are counted as duplicates, not written again."""
    raw = await request.body()
    check_structure(raw)  # nesting, UTF-8 and duplicated keys, before the per-row decoding
    return await trips.ingest(principal.tenant_id, raw)


@post("/v1/trips/raw", operation_id="ingestRawTrip", tags=["trips"], status_code=200, guards=[allow(WRITE)],
      dependencies=documented_body(RawTrip, examples.RAW_TRIP))
async def ingest_raw_trip(trips: TripsDep, principal: PrincipalDep, request: Request[Any, Any, Any]) -> RawReport:
    """One ~1 Hz trace → its summary by event detection; the samples themselves are not stored."""
    return await trips.ingest_raw(principal.tenant_id, await read_body(request, RawTrip))


@post("/v1/scoring-runs", operation_id="startScoringRun", tags=["scoring"], status_code=202, guards=[allow(RUN)],
      dependencies=documented_body(RunRequest, examples.RUN), opt={"problems": (409,)})
async def start_run(trips: TripsDep, principal: PrincipalDep, request: Request[Any, Any, Any]) -> RunView:
    """Score a month for every driver of the tenant; 202 with the run to poll."""
    body = await read_body(request, RunRequest)
    return await trips.start_run(principal.tenant_id, body.period, explain=body.explain,
                                 requested_by=principal.name)


@get("/v1/scoring-runs/{run_id:str}", operation_id="getScoringRun", tags=["scoring"], guards=[allow(RUN_READ)])
async def get_run(trips: TripsDep, principal: PrincipalDep, run_id: Id) -> RunView:
    """Status, progress, expected vs written, failed chunks with their errors, checksum."""
    return await trips.run(principal.tenant_id, known_id(run_id, "scoring run"))


@get("/v1/scoring-runs/{run_id:str}/results", operation_id="getScoringRunResults", tags=["scoring"],
     guards=[allow(RUN_READ)], media_type="application/x-ndjson")
async def get_results(
    trips: TripsDep, principal: PrincipalDep, run_id: Id,
    fmt: Annotated[Literal["csv", "jsonl"], QueryParameter(name="format")] = "jsonl",
) -> Stream:
    """The run's rows in driver order, streamed; the JSONL bytes hash to the run's checksum."""
    lines = await trips.results(principal.tenant_id, known_id(run_id, "scoring run"), fmt)
    return Stream(lines, media_type="text/csv" if fmt == "csv" else "application/x-ndjson")


@get("/v1/drivers/{driver_id:str}/scores", operation_id="getDriverScores", tags=["scoring"], guards=[allow(READ)])
async def get_scores(trips: TripsDep, principal: PrincipalDep, driver_id: Id) -> ScoreHistory:
    """Monthly scores, newest first, with the behaviours to improve in plain words."""
    return await trips.history(principal.tenant_id, known_id(driver_id, "driver"))


@route("/v1/drivers/{driver_id:str}", http_method=["OPTIONS"], include_in_schema=False, sync_to_thread=False)
def driver_options(driver_id: Id) -> Response[None]:
    """Litestar answers OPTIONS from a path's first handler only; this path has two (GET and PUT)."""
    return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, PUT"})


ROUTES = [driver_options, put_driver, get_driver, ingest_trips, ingest_raw_trip, start_run, get_run, get_results,
          get_scores]
