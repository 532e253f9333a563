"""The embedded queue: in-process, for `referee serve` without Redis and for tests.

Same contract as the Redis queue: one FIFO per tenant served round-robin, pending jobs
that can be touched, released and reclaimed, results kept (first wins) until they expire.
Lives in one event loop: the API and the embedded workers share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from referee_service.jobs import Job, JobResult
from referee_service.queue.base import Delivery, TenantBacklog, WorkerInfo

# Results outlive the request deadline by this much so a retry still finds them.
RESULT_TTL_MARGIN_S = 60


@dataclass
class _Pending:
    job: Job
    consumer: str
    touched: float


class MemoryQueue:
    """``JobQueue`` in dictionaries and deques."""

    def __init__(self) -> None:
        self._waiting: dict[str, deque[tuple[Job, float]]] = {}  # tenant -> (job, enqueued at)
        self._turn = 0
        self._arrived = asyncio.Event()
        self._receipts = itertools.count()
        self._pending: dict[str, _Pending] = {}
        self._results: dict[str, dict[str, JobResult]] = {}
        self._results_expire: dict[str, float] = {}
        self._waiters: dict[str, set[asyncio.Event]] = {}  # request -> one event per waiter
        self._workers: dict[str, tuple[WorkerInfo, float]] = {}

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        now = time.monotonic()
        for job in jobs:
            self._waiting.setdefault(job.tenant, deque()).append((job, now))
        self._arrived.set()

    def _take(self, count: int) -> list[Job]:
        """Round-robin over tenants with work: one job from each in turn."""
        taken: list[Job] = []
        while len(taken) < count:
            tenants = [t for t, q in self._waiting.items() if q]
            if not tenants:
                break
            for tenant in (
                tenants[self._turn % len(tenants) :] + tenants[: self._turn % len(tenants)]
            ):
                if len(taken) >= count:
                    break
                taken.append(self._waiting[tenant].popleft()[0])
            self._turn += 1
        return taken

    def _deliver(self, consumer: str, jobs: list[Job]) -> list[Delivery]:
        deliveries = []
        for job in jobs:
            receipt = str(next(self._receipts))
            self._pending[receipt] = _Pending(job, consumer, time.monotonic())
            deliveries.append(Delivery(job=job, receipt=receipt))
        return deliveries

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        deadline = time.monotonic() + block_s
        while True:
            jobs = self._take(count)
            if jobs:
                return self._deliver(consumer, jobs)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=remaining)
            except TimeoutError:
                return []

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        self._expire_results()
        stored = self._results.setdefault(result.request_id, {})
        stored.setdefault(result.job_id, result)
        ttl_s = max(0.0, delivery.job.remaining_s()) + RESULT_TTL_MARGIN_S
        self._results_expire[result.request_id] = time.monotonic() + ttl_s
        self._pending.pop(delivery.receipt, None)
        for event in self._waiters.get(result.request_id, ()):
            event.set()

    async def release(self, delivery: Delivery) -> None:
        if self._pending.pop(delivery.receipt, None) is not None:
            await self.enqueue([delivery.job])

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        now = time.monotonic()
        for delivery in deliveries:
            pending = self._pending.get(delivery.receipt)
            if pending is not None:
                pending.consumer, pending.touched = consumer, now

    async def reclaim(self, consumer: str, idle_s: float, count: int) -> list[Delivery]:
        now = time.monotonic()
        claimed: list[Delivery] = []
        for receipt, pending in self._pending.items():
            if len(claimed) >= count:
                break
            if now - pending.touched >= idle_s:
                pending.consumer, pending.touched = consumer, now
                claimed.append(Delivery(job=pending.job, receipt=receipt))
        return claimed

    def _expire_results(self) -> None:
        now = time.monotonic()
        for request_id in [r for r, until in self._results_expire.items() if until <= now]:
            self._results.pop(request_id, None)
            del self._results_expire[request_id]

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        deadline = time.monotonic() + timeout_s
        event = asyncio.Event()
        self._waiters.setdefault(request_id, set()).add(event)
        try:
            while True:
                stored = self._results.get(request_id, {})
                found = {j: stored[j] for j in job_ids if j in stored}
                remaining = deadline - time.monotonic()
                if len(found) == len(job_ids) or remaining <= 0:
                    return found
                event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=remaining)
        finally:
            waiters = self._waiters[request_id]
            waiters.discard(event)
            if not waiters:
                del self._waiters[request_id]

    async def backlog(self) -> list[TenantBacklog]:
        now = time.monotonic()
        pending_by_tenant: dict[str, int] = {}
        for pending in self._pending.values():
            tenant = pending.job.tenant
            pending_by_tenant[tenant] = pending_by_tenant.get(tenant, 0) + 1
        tenants = set(self._waiting) | set(pending_by_tenant)
        return [
            TenantBacklog(
                tenant=t,
                waiting=len(self._waiting.get(t, ())),
                pending=pending_by_tenant.get(t, 0),
                oldest_age_s=now - self._waiting[t][0][1] if self._waiting.get(t) else 0.0,
            )
            for t in sorted(tenants)
        ]

    async def heartbeat(self, info: WorkerInfo, ttl_s: float) -> None:
        self._workers[info.name] = (info, time.monotonic() + ttl_s)

    async def live_workers(self) -> list[WorkerInfo]:
        now = time.monotonic()
        return [info for info, until in self._workers.values() if until > now]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._workers.clear()
