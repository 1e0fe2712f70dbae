"""Where chunk and webhook jobs go: RQ queues (with Redis), or a thread in this process.

RQ jobs carry ids only and use a JSON serializer (RQ's default is pickle, which would let whoever
can write to Redis run code in the workers). A chunk's job id is ``<tenant>-<period>-<chunk>``, so
a chunk is queued at most once at a time (``unique``); its ``Retry`` and a short timeout mean a
chunk abandoned by a dead worker is noticed and retried within a minute (RQ only notices a killed
worker's job once its heartbeat, timeout plus ``ABANDON_GRACE_S``, has expired).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from saas.trips import jobs

log = logging.getLogger("saas.jobs")

SCORING_QUEUE, WEBHOOK_QUEUE = "scoring", "webhooks"
QUEUES = (SCORING_QUEUE, WEBHOOK_QUEUE)
CHUNK_TIMEOUT_S = 30
CHUNK_RETRIES = (2, 5, 10)
"""Seconds before each retry of a failed chunk: three retries, four attempts in all."""
ABANDON_GRACE_S = 5


def job_id(tenant_id: str, period: str, chunk: int) -> str:
    return f"{tenant_id}-{period}-{chunk}"


class RQDispatcher:
    durable = True

    def __init__(self, redis_url: str, *, chunk_timeout_s: int = CHUNK_TIMEOUT_S) -> None:
        self.redis = Redis.from_url(redis_url)
        self.chunk_timeout_s = chunk_timeout_s
        self.scoring = Queue(SCORING_QUEUE, connection=self.redis, serializer=JSONSerializer)
        self.webhooks = Queue(WEBHOOK_QUEUE, connection=self.redis, serializer=JSONSerializer)

    def enqueue_run(self, tenant_id: str, run_id: str, period: str, chunks: int) -> None:
        self.enqueue_chunks(tenant_id, run_id, period, range(chunks))

    def enqueue_chunks(self, tenant_id: str, run_id: str, period: str, chunks: Sequence[int]) -> None:
        idents = [job_id(tenant_id, period, chunk) for chunk in chunks]
        pipe = self.redis.pipeline(transaction=False)
        for ident in idents:
            pipe.exists(Job.key_for(ident))
        for ident, exists in zip(idents, pipe.execute(), strict=True):  # one round trip for all chunks
            if exists:
                self._forget_finished(ident)
        for chunk, ident in zip(chunks, idents, strict=True):
            self.scoring.enqueue_call(
                jobs.score_chunk_job, args=(tenant_id, run_id, chunk), job_id=ident, unique=True,
                timeout=self.chunk_timeout_s, retry=Retry(max=len(CHUNK_RETRIES), interval=list(CHUNK_RETRIES)),
                result_ttl=600, failure_ttl=7 * 86400, on_failure=Callback(jobs.chunk_abandoned))

    def _forget_finished(self, ident: str) -> None:
        """An earlier run's job of the same month and chunk, finished or failed, makes way."""
        try:
            job = Job.fetch(ident, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return
        if job.get_status() in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED):
            try:
                job.delete()
            except ValueError:  # rq 2.12: an execution of a killed worker left dangling breaks delete()
                job.failed_job_registry.remove(job)
                job.finished_job_registry.remove(job)
                self.redis.delete(job.key)

    def schedule_run(self, tenant_id: str, fire: dt.datetime, ident: str) -> None:
        """A tenant's next monthly run, at ``fire``; already scheduled (same id) is left alone."""
        from saas.trips.schedule import scheduled_run_job

        try:
            Job.fetch(ident, connection=self.redis, serializer=JSONSerializer)
            return
        except NoSuchJobError:
            pass
        self.scoring.enqueue_at(fire, scheduled_run_job, tenant_id, fire.isoformat(), job_id=ident,
                                job_timeout=300, result_ttl=40 * 86400)

    def deliver(self, tenant_id: str, delivery_id: str, delay_s: float = 0.0) -> None:
        if delay_s > 0:
            self.webhooks.enqueue_in(dt.timedelta(seconds=delay_s), jobs.deliver_job, tenant_id, delivery_id,
                                     job_timeout=60, result_ttl=3600)
        else:
            self.webhooks.enqueue_call(jobs.deliver_job, args=(tenant_id, delivery_id), timeout=60, result_ttl=3600)


class ThreadDispatcher:
    """The embedded mode: one background thread runs the same job functions, one at a time, with
    the same retry schedule; webhook retries wait on timers. Nothing survives a restart of the
    process, which is why production runs use Redis and ``saas worker``; a restarted server resumes
    unfinished runs and pending deliveries from the database (``saas.trips.resume``)."""

    durable = False

    def __init__(self) -> None:
        self.tasks: queue.Queue[Callable[[], object]] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.context: Callable[[], jobs.JobContext] | None = None
        """The assembly's job context for this dispatcher's thread (else the process's installed one)."""

    def _ensure_thread(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="saas-jobs", daemon=True)
                self.thread.start()

    def _work(self) -> None:
        if self.context is not None:
            jobs.bind(self.context)
        while True:
            task = self.tasks.get()
            try:
                task()
            except Exception:
                log.exception("in-process job failed")
            finally:
                self.tasks.task_done()

    def submit(self, task: Callable[[], object], delay_s: float = 0.0) -> None:
        self._ensure_thread()
        if delay_s > 0:
            timer = threading.Timer(delay_s, self.tasks.put, args=(task,))
            timer.daemon = True
            timer.start()
        else:
            self.tasks.put(task)

    def enqueue_run(self, tenant_id: str, run_id: str, period: str, chunks: int) -> None:
        self.enqueue_chunks(tenant_id, run_id, period, range(chunks))

    def enqueue_chunks(self, tenant_id: str, run_id: str, period: str, chunks: Sequence[int]) -> None:
        for chunk in chunks:
            self.submit(self._chunk_task(tenant_id, run_id, chunk, attempt=1))

    def _chunk_task(self, tenant_id: str, run_id: str, chunk: int, attempt: int) -> Callable[[], None]:
        def task() -> None:
            final = attempt > len(CHUNK_RETRIES)
            try:
                jobs.run_chunk(tenant_id, run_id, chunk, final=final)
            except Exception:
                if not final:
                    self.submit(self._chunk_task(tenant_id, run_id, chunk, attempt + 1), CHUNK_RETRIES[attempt - 1])
                raise
        return task

    def deliver(self, tenant_id: str, delivery_id: str, delay_s: float = 0.0) -> None:
        self.submit(lambda: jobs.deliver_job(tenant_id, delivery_id), delay_s)

    def schedule_run(self, tenant_id: str, fire: dt.datetime, ident: str) -> None:
        """Nothing in this process outlives a month: schedules need Redis and ``saas worker``."""
        log.info("not scheduling %s (%s): scheduled runs need SAAS_REDIS_URL and saas worker", tenant_id, ident)

    def join(self) -> None:
        """Wait until every queued task ran (tests, ``saas score`` in embedded mode)."""
        self.tasks.join()
