"""The worker loop: reserve jobs, judge them, store results, acknowledge.

Runs in `referee worker` against Redis, or inside `referee serve` against the embedded
queue. It keeps up to ``concurrency`` jobs in flight and, on a timer, heartbeats its
capabilities, touches the jobs it is judging (so nobody reclaims them) and reclaims the
jobs of workers that died. Stopping is graceful: no new jobs, the ones in flight get
``shutdown_grace_s`` to finish, and whatever is left is handed back to the queue.

Nothing a job can cause stops the worker: an exception while judging or storing one job
answers that job's items ``internal_error`` (logged with its traceback), and one while
reserving or doing chores is retried. Only cancellation, ``SystemExit`` and
``KeyboardInterrupt`` (none of them an ``Exception``) end it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from referee_client.protocol import Status

from referee_service.jobs import JobResult
from referee_service.judge import Judge
from referee_service.judge.dispatch import answer_all
from referee_service.queue.base import Delivery, JobQueue, QueueError, WorkerInfo

log = logging.getLogger(__name__)

# How long to wait before reconnecting when the queue fails.
BACKOFF_S = (0.5, 1.0, 2.0, 5.0)
# What a job's items say when the worker itself failed on it.
WORKER_FAILED = "internal error in the worker; see its logs"


def _backoff_s(failures: int) -> float:
    return BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]


def _honour_cancel() -> None:
    """Raise ``CancelledError`` if this task was cancelled and something swallowed it.

    Python 3.11's ``asyncio.wait_for``, which redis-py sends every command through, returns
    normally when its call completes just as the task is cancelled; the task still counts
    the cancel (``cancelling()``), so a loop that checks here stops as it was told to.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


@dataclass(frozen=True)
class WorkerTiming:
    """The worker's clocks. Tests shorten them; deployments rarely need to."""

    heartbeat_s: float = 5.0
    # A job untouched this long belongs to a dead worker; live workers touch theirs every
    # heartbeat, so this only needs to cover a few missed beats.
    reclaim_idle_s: float = 30.0
    shutdown_grace_s: float = 20.0

    @property
    def heartbeat_ttl_s(self) -> float:
        # A few periods, so one slow beat does not look like a death.
        return 3 * self.heartbeat_s


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    """Consumes ``queue`` with ``judge``; ``run()`` until stopped, or ``run_until_empty()``."""

    def __init__(
        self,
        queue: JobQueue,
        judge: Judge,
        *,
        name: str | None = None,
        concurrency: int = 8,
        timing: WorkerTiming | None = None,
    ) -> None:
        self.name = name or default_worker_name()
        self._queue = queue
        self._judge = judge
        self._concurrency = concurrency
        self._timing = timing or WorkerTiming()
        self._in_flight: dict[asyncio.Task[None], Delivery] = {}

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Work until ``stop`` is set, then finish or hand back the jobs in flight."""
        stop = stop or asyncio.Event()
        chores = asyncio.create_task(self._chores_forever(stop))
        failures = 0
        try:
            while not stop.is_set():
                _honour_cancel()
                delay = _backoff_s(failures)
                try:
                    await self._reserve_some(block_s=1.0, stop=stop)
                    failures = 0
                    continue
                except QueueError as exc:
                    log.warning("queue unavailable (%s); retrying in %.1f s", exc, delay)
                except Exception:  # a bug, ours or a dependency's: back off, do not die
                    log.exception("could not take jobs; retrying in %.1f s", delay)
                failures += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
        finally:
            await self._drain()
            chores.cancel()

    async def run_until_empty(self, block_s: float = 0.2) -> None:
        """Burst mode for tests and drains: judge until the queue stays empty for ``block_s``."""
        while await self._reserve_some(block_s=block_s):
            pass
        if self._in_flight:
            await asyncio.gather(*self._in_flight)

    async def _drain(self) -> None:
        """Give the jobs in flight the grace period, then hand the rest back."""
        if not self._in_flight:
            return
        _, unfinished = await asyncio.wait(self._in_flight, timeout=self._timing.shutdown_grace_s)
        for task in unfinished:
            task.cancel()
        if unfinished:
            log.info("handing %d unfinished job(s) back to the queue", len(unfinished))
            await asyncio.gather(*unfinished, return_exceptions=True)

    async def _reserve_some(self, block_s: float, stop: asyncio.Event | None = None) -> int:
        """Reserve as many jobs as there are free slots and start them; return how many."""
        if len(self._in_flight) >= self._concurrency:
            waiters: set[asyncio.Future[Any]] = set(self._in_flight)
            if stop is not None:
                waiters.add(asyncio.ensure_future(stop.wait()))
            _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in pending - set(self._in_flight):
                waiter.cancel()
            if stop is not None and stop.is_set():
                return 0
        free = self._concurrency - len(self._in_flight)
        deliveries = await self._queue.reserve(self.name, count=free, block_s=block_s)
        self._start(deliveries)
        return len(deliveries)

    def _start(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            task = asyncio.create_task(self._process(delivery))
            self._in_flight[task] = delivery
            task.add_done_callback(self._in_flight.pop)

    async def _process(self, delivery: Delivery) -> None:
        job = delivery.job
        try:
            result = await self._judge.run(job)
        except asyncio.CancelledError:
            # Shutting down mid-job: hand it back so another worker judges it now rather
            # than after the reclaim timeout.
            with contextlib.suppress(QueueError):
                await asyncio.shield(self._queue.release(delivery))
            raise
        except Exception:  # the judge answers every item itself; this is a bug in it
            log.exception("judging job %s/%s failed", job.request_id, job.job_id)
            result = answer_all(job, Status.internal_error, WORKER_FAILED)
        # Shielded: a cancelled worker still records what it has judged.
        await asyncio.shield(self._complete(delivery, result))

    async def _complete(self, delivery: Delivery, result: JobResult) -> None:
        """Store the result, retrying through a queue outage until the job's deadline.

        A result the queue refuses for any other reason (one that cannot be serialized,
        say) is replaced by internal_error for the job's items: storing nothing would leave
        the job pending, to be reclaimed and fail again until its request times out.
        """
        job = delivery.job
        failures = 0
        fallen_back = False
        while True:
            try:
                await self._queue.complete(delivery, result)
                return
            except QueueError as exc:
                if job.remaining_s() <= 0:
                    log.error("dropping the result of job %s: %s", job.job_id, exc)
                    return
                delay = _backoff_s(failures)
                failures += 1
                log.warning("could not store job %s (%s); retrying", job.job_id, exc)
                await asyncio.sleep(delay)
            except Exception:
                if fallen_back:
                    log.exception("dropping the result of job %s/%s", job.request_id, job.job_id)
                    return
                log.exception(
                    "could not store job %s/%s; answering internal_error instead",
                    job.request_id,
                    job.job_id,
                )
                result = answer_all(job, Status.internal_error, WORKER_FAILED)
                fallen_back = True

    async def _chores_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            _honour_cancel()
            try:
                await self._chores(stop)
            except QueueError as exc:
                log.warning("heartbeat failed: %s", exc)
            except Exception:  # a bug: a worker without chores looks dead; try next beat
                log.exception("worker chores failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._timing.heartbeat_s)

    async def _chores(self, stop: asyncio.Event) -> None:
        """Heartbeat, keep our jobs ours, and rescue the jobs of dead workers."""
        info = await self._judge.describe(self.name)
        info = WorkerInfo(
            **{**info.__dict__, "busy": len(self._in_flight), "capacity": self._concurrency}
        )
        await self._queue.heartbeat(info, ttl_s=self._timing.heartbeat_ttl_s)
        if self._in_flight:
            await self._queue.touch(self.name, list(self._in_flight.values()))
        free = self._concurrency - len(self._in_flight)
        if free > 0 and not stop.is_set():
            rescued = await self._queue.reclaim(self.name, self._timing.reclaim_idle_s, free)
            if rescued:
                log.warning("reclaimed %d job(s) from silent workers", len(rescued))
                self._start(rescued)
