"""The queue contract that the API and the workers program against.

The API ``enqueue``s a request's jobs and waits on ``wait_results``; workers ``reserve``
jobs and ``complete`` them. Delivery is at least once: a job may be delivered again, so
results are keyed by (request_id, job_id) and ``wait_results`` keeps the first of each.

Exceptions: ``QueueError`` for anything the backing store does wrong (Redis down, ...);
redis-py's own exception types never escape ``redis_streams.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

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


class JobQueue(Protocol):
    async def enqueue(self, jobs: Sequence[Job]) -> None:
        """Make jobs available to workers."""

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        """Take up to ``count`` jobs, waiting at most ``block_s`` for the first one."""

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        """Store the job's result for the waiting request, then acknowledge the delivery."""

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        """Results of the given jobs, returning when all are in or ``timeout_s`` has passed."""

    async def heartbeat(self, info: WorkerInfo, ttl_s: float) -> None:
        """Record that a worker is alive for the next ``ttl_s`` seconds."""

    async def live_workers(self) -> list[WorkerInfo]:
        """Workers whose heartbeat has not expired."""

    async def ping(self) -> None:
        """Raise ``QueueError`` if the queue cannot be used."""

    async def close(self) -> None:
        """Release connections."""
