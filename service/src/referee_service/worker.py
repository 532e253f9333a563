"""The worker loop: reserve jobs, judge them, store results, acknowledge.

Runs in `referee worker` against Redis, or inside `referee serve` against the embedded
queue. It keeps up to ``concurrency`` jobs in flight and heartbeats its capabilities.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from referee_service.judge import Judge
from referee_service.queue.base import Delivery, JobQueue, QueueError

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
# A heartbeat stays valid for a few periods so one slow beat does not look like a death.
HEARTBEAT_TTL_S = 3 * HEARTBEAT_S
# How long to wait before reconnecting when the queue fails.
BACKOFF_S = (0.5, 1.0, 2.0, 5.0)


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    """Consumes ``queue`` with ``judge``; ``run()`` until stopped, or ``run_until_empty()``."""

    def __init__(
        self, queue: JobQueue, judge: Judge, *, name: str | None = None, concurrency: int = 8
    ) -> None:
        self.name = name or default_worker_name()
        self._queue = queue
        self._judge = judge
        self._concurrency = concurrency
        self._in_flight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Work until ``stop`` is set, then finish the jobs in flight."""
        stop = stop or asyncio.Event()
        beat = asyncio.create_task(self._heartbeat_forever(stop))
        failures = 0
        try:
            while not stop.is_set():
                try:
                    await self._reserve_some(block_s=1.0)
                    failures = 0
                except QueueError as exc:
                    delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                    failures += 1
                    log.warning("queue unavailable (%s); retrying in %.1f s", exc, delay)
                    await asyncio.sleep(delay)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            beat.cancel()

    async def run_until_empty(self, block_s: float = 0.2) -> None:
        """Burst mode for tests and drains: judge until the queue stays empty for ``block_s``."""
        while await self._reserve_some(block_s=block_s):
            pass
        if self._in_flight:
            await asyncio.gather(*self._in_flight)

    async def _reserve_some(self, block_s: float) -> int:
        """Reserve as many jobs as there are free slots and start them; return how many."""
        if len(self._in_flight) >= self._concurrency:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        free = self._concurrency - len(self._in_flight)
        deliveries = await self._queue.reserve(self.name, count=free, block_s=block_s)
        for delivery in deliveries:
            task = asyncio.create_task(self._process(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(deliveries)

    async def _process(self, delivery: Delivery) -> None:
        try:
            result = await self._judge.run(delivery.job)
            # Shielded: a cancelled worker still records what it has judged.
            await asyncio.shield(self._queue.complete(delivery, result))
        except QueueError as exc:
            log.error("could not complete job %s: %s", delivery.job.job_id, exc)

    async def _heartbeat_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                info = await self._judge.describe(self.name)
                await self._queue.heartbeat(info, ttl_s=HEARTBEAT_TTL_S)
            except QueueError as exc:
                log.warning("heartbeat failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_S)
