"""The queue contract that the API and the workers program against.

The API ``enqueue``s a request's jobs and waits on ``wait_results``; workers ``reserve``
jobs and ``complete`` them. Each job waits in its tenant's queue, and ``reserve`` serves
tenants round-robin, so one tenant's flood does not starve another's trickle.

Delivery is at least once: a worker that dies leaves its jobs pending, and another worker
``reclaim``s them once they have been idle for a while (a live worker ``touch``es the jobs
it is still judging so they never look idle). Results are keyed by (request_id, job_id)
and the first one stored wins, so a job judged twice still counts once.

Exceptions: ``QueueError`` for anything the backing store does wrong (Redis down, ...);
redis-py's own exception types never escape ``redis_streams.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from referee_service.jobs import Job, JobResult


class QueueError(Exception):
    """The queue's backing store failed or cannot be reached."""


@dataclass(frozen=True)
class Delivery:
    """A reserved job and the receipt that acknowledges it."""

    job: Job
    receipt: str


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker reports about itself in its heartbeat."""

    name: str
    sandbox: str  # backend name, or "none"
    sandbox_ok: bool  # the backend could run programs at the last check
    sandbox_detail: str = ""
    busy: int = 0  # jobs in flight
    capacity: int = 0  # jobs it takes at once
    sandbox_stats: dict[str, Any] = field(default_factory=dict)  # pool counters, if any


@dataclass(frozen=True)
class TenantBacklog:
    """Jobs waiting in one tenant's queue: how many, and how long the oldest has waited."""

    tenant: str
    waiting: int
    pending: int  # reserved by a worker, not yet completed
    oldest_age_s: float


class JobQueue(Protocol):
    async def enqueue(self, jobs: Sequence[Job]) -> None:
        """Make jobs available to workers, each in its ``job.tenant``'s queue."""

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        """Take up to ``count`` jobs, round-robin across tenants, waiting at most ``block_s``
        for the first one (an implementation may return earlier with nothing)."""

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        """Store the job's result (the first stored wins), then acknowledge the delivery."""

    async def release(self, delivery: Delivery) -> None:
        """Hand an unfinished job back so another worker takes it (graceful shutdown)."""

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        """Say that ``consumer`` is still judging these, so nobody reclaims them."""

    async def reclaim(self, consumer: str, idle_s: float, count: int) -> list[Delivery]:
        """Take over up to ``count`` jobs reserved by others and untouched for ``idle_s``."""

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        """Results of the given jobs, returning when all are in or ``timeout_s`` has passed.

        Results stay readable until they expire, so a second waiter (an idempotent retry)
        sees them too.
        """

    async def backlog(self) -> list[TenantBacklog]:
        """The waiting work per tenant (for metrics and operators)."""

    async def heartbeat(self, info: WorkerInfo, ttl_s: float) -> None:
        """Record that a worker is alive for the next ``ttl_s`` seconds."""

    async def live_workers(self) -> list[WorkerInfo]:
        """Workers whose heartbeat has not expired."""

    async def ping(self) -> None:
        """Raise ``QueueError`` if the queue cannot be used."""

    async def close(self) -> None:
        """Release connections."""
