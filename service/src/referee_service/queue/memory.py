"""The embedded queue: in-process, for `referee serve` without Redis and for tests."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence

from referee_service.jobs import Job, JobResult
from referee_service.queue.base import Delivery, WorkerInfo


class MemoryQueue:
    """Jobs in an ``asyncio.Queue``; results in one queue per waiting request.

    Lives in one event loop: the API and the embedded workers share it.
    """

    def __init__(self) -> None:
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._results: dict[str, asyncio.Queue[JobResult]] = {}
        self._receipts = itertools.count()
        self._pending: dict[str, Job] = {}
        self._workers: dict[str, tuple[WorkerInfo, float]] = {}

    def _results_for(self, request_id: str) -> asyncio.Queue[JobResult]:
        return self._results.setdefault(request_id, asyncio.Queue())

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            self._results_for(job.request_id)
            self._jobs.put_nowait(job)

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        try:
            first = await asyncio.wait_for(self._jobs.get(), timeout=block_s)
        except TimeoutError:
            return []
        jobs = [first]
        while len(jobs) < count and not self._jobs.empty():
            jobs.append(self._jobs.get_nowait())
        deliveries = []
        for job in jobs:
            receipt = str(next(self._receipts))
            self._pending[receipt] = job
            deliveries.append(Delivery(job=job, receipt=receipt))
        return deliveries

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        waiting = self._results.get(result.request_id)
        if waiting is not None:  # nobody waits once the request has given up
            waiting.put_nowait(result)
        self._pending.pop(delivery.receipt, None)

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        results = self._results_for(request_id)
        found: dict[str, JobResult] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while not job_ids <= found.keys():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    result = await asyncio.wait_for(results.get(), timeout=remaining)
                except TimeoutError:
                    break
                if result.job_id in job_ids:
                    found.setdefault(result.job_id, result)
        finally:
            self._results.pop(request_id, None)
        return found

    async def heartbeat(self, info: WorkerInfo, ttl_s: float) -> None:
        self._workers[info.name] = (info, time.monotonic() + ttl_s)

    async def live_workers(self) -> list[WorkerInfo]:
        now = time.monotonic()
        return [info for info, until in self._workers.values() if until > now]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._workers.clear()
