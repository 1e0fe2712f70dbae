"""The worker's heartbeat throttle: stand-alone heartbeats at most once a second, pipelined ones always.

The throttle reads the test's clock, set to just under and just over a second after the last
heartbeat, so a descheduled test process cannot make a heartbeat look late."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from saas.trips.worker import HEARTBEAT_EVERY_S, AppWorker

pytestmark = pytest.mark.integration


def test_stand_alone_heartbeats_are_throttled_and_pipelined_ones_are_not(redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    worker = AppWorker([Queue("heartbeat-test", connection=connection, serializer=JSONSerializer)],
                       connection=connection, serializer=JSONSerializer, name=f"hb-{time.monotonic_ns()}")
    worker.heartbeat()
    first = connection.hget(worker.key, "last_heartbeat")
    assert first is not None and worker.last_heartbeat is not None
    after = dt.timedelta(seconds=HEARTBEAT_EVERY_S)
    worker.clock = lambda: worker.last_heartbeat + after * 0.99  # type: ignore[method-assign, operator]
    worker.heartbeat()  # within the second: not sent
    assert connection.hget(worker.key, "last_heartbeat") == first
    with connection.pipeline() as pipeline:
        worker.heartbeat(pipeline=pipeline)  # a job's pipelined heartbeat always goes out
        pipeline.execute()
    second = connection.hget(worker.key, "last_heartbeat")
    assert second is not None and second > first
    worker.clock = lambda: worker.last_heartbeat + after * 1.01  # type: ignore[method-assign, operator]
    worker.heartbeat()  # a second later: sent again
    third = connection.hget(worker.key, "last_heartbeat")
    assert third is not None and third > second
    assert connection.ttl(worker.key) > 60
    connection.delete(worker.key)
