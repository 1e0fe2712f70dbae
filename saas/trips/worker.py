"""``saas worker``: an RQ worker for this app's queues, with the JSON serializer and the model
loaded once. A ``SimpleWorker`` (no fork per job) keeps the parsed booster and the database pool
across jobs; a killed worker process loses only the chunk it held, which RQ then retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from rq.utils import now

from saas.trips.dispatch import ABANDON_GRACE_S, QUEUES

HEARTBEAT_EVERY_S = 1.0
MAINTENANCE_S = 10
"""How often a worker looks for abandoned jobs (RQ's default, 10 minutes, is too slow here)."""


class AppWorker(SimpleWorker):
    clock: Callable[[], dt.datetime] = staticmethod(now)
    """What the heartbeat throttle reads as the time: RQ's, or a test's own."""

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """At most one stand-alone worker heartbeat a second. RQ sends one from several places of
        every job's round (two Redis round trips each): with chunks a fraction of a second long that
        was a fifth of the queue's own cost, for a key that lives for minutes. Heartbeats inside a
        pipeline (with the job's) and any with a timeout of their own always go out."""
        if (pipeline is None and timeout is None and self.last_heartbeat is not None
                and (self.clock() - self.last_heartbeat).total_seconds() < HEARTBEAT_EVERY_S):
            return
        super().heartbeat(timeout, pipeline)

    @property
    def dequeue_timeout(self) -> int:
        """An idle worker wakes every ``MAINTENANCE_S`` to run its maintenance. RQ blocks on the queues
        for its worker TTL less 15 s (405 s), and only the maintenance finds a killed worker's job: a
        chunk abandoned after the other chunks were done waited minutes for a worker to wake."""
        return MAINTENANCE_S

    def get_heartbeat_ttl(self, job: Any) -> int:
        """A job's registry entry expires ``ABANDON_GRACE_S`` after its timeout (RQ adds 60 s)."""
        if job.timeout == -1:
            return super().get_heartbeat_ttl(job)
        return int(job.timeout or 180) + ABANDON_GRACE_S


def work(redis_url: str, *, burst: bool = False, name: str | None = None) -> bool:
    connection = Redis.from_url(redis_url)
    queues = [Queue(q, connection=connection, serializer=JSONSerializer) for q in QUEUES]
    worker = AppWorker(queues, connection=connection, serializer=JSONSerializer, name=name,
                       maintenance_interval=MAINTENANCE_S)
    return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))
