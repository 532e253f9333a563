"""The shared queue on Redis Streams: one stream of jobs, one consumer group of workers.

Jobs are stream entries (``XADD``) read by workers through a consumer group
(``XREADGROUP``), so each job goes to one worker and stays pending until ``XACK``.
Results go to a per-request list that the API pops (``BLPOP``); the list expires a while
after the request deadline, so an abandoned request leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from referee_service import keys
from referee_service.jobs import Job, JobResult, now_epoch_ms
from referee_service.queue.base import Delivery, QueueError, WorkerInfo

# Results outlive the request deadline by this much so a slow reader still finds them.
RESULT_TTL_MARGIN_S = 60
# Every command, blocking ones included, must answer within SOCKET_TIMEOUT_S or Redis is
# treated as gone (a fast 503 rather than a hung request). Blocking reads therefore wait in
# slices of at most BLOCK_SLICE_S, well inside the socket timeout.
SOCKET_TIMEOUT_S = 5.0
BLOCK_SLICE_S = 2.0


class RedisQueue:
    """``JobQueue`` on Redis Streams. ``url`` is a redis:// DSN."""

    def __init__(self, url: str, *, max_connections: int = 256) -> None:
        self._redis = aioredis.Redis.from_url(
            url,
            max_connections=max_connections,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
        )
        self._group_ready = False

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self._redis.xgroup_create(
                keys.job_stream(), keys.WORKER_GROUP, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        try:
            await self._ensure_group()
            async with self._redis.pipeline(transaction=False) as pipe:
                for job in jobs:
                    pipe.xadd(keys.job_stream(), {"job": job.model_dump_json()})
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not enqueue jobs: {exc}") from exc

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        try:
            await self._ensure_group()
            reply: Any = await self._redis.xreadgroup(
                keys.WORKER_GROUP,
                consumer,
                {keys.job_stream(): ">"},
                count=count,
                block=max(1, int(min(block_s, BLOCK_SLICE_S) * 1000)),
            )
        except RedisError as exc:
            raise QueueError(f"could not read jobs: {exc}") from exc
        deliveries: list[Delivery] = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                job = Job.model_validate_json(fields["job"])
                deliveries.append(Delivery(job=job, receipt=entry_id))
        return deliveries

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        key = keys.results_list(result.request_id)
        ttl_s = max(1, int(delivery.job.remaining_s()) + RESULT_TTL_MARGIN_S)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, result.model_dump_json())
                pipe.expire(key, ttl_s)
                pipe.xack(keys.job_stream(), keys.WORKER_GROUP, delivery.receipt)
                pipe.xdel(keys.job_stream(), delivery.receipt)
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not store a result: {exc}") from exc

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        key = keys.results_list(request_id)
        found: dict[str, JobResult] = {}
        deadline_ms = now_epoch_ms() + int(timeout_s * 1000)
        try:
            while not job_ids <= found.keys():
                remaining_s = (deadline_ms - now_epoch_ms()) / 1000
                if remaining_s <= 0:
                    break
                # BLPOP takes fractional seconds; 0 would block forever.
                popped = await self._redis.blpop(
                    [key], timeout=max(0.01, min(remaining_s, BLOCK_SLICE_S))
                )
                if popped is None:
                    continue
                result = JobResult.model_validate_json(popped[1])
                if result.job_id in job_ids:
                    found.setdefault(result.job_id, result)
            await self._redis.delete(key)
        except RedisError as exc:
            raise QueueError(f"lost the queue while waiting for results: {exc}") from exc
        return found

    async def heartbeat(self, info: WorkerInfo, ttl_s: float) -> None:
        payload = json.dumps(info.__dict__)
        try:
            await self._redis.set(keys.worker_heartbeat(info.name), payload, px=int(ttl_s * 1000))
        except RedisError as exc:
            raise QueueError(f"could not record a heartbeat: {exc}") from exc

    async def live_workers(self) -> list[WorkerInfo]:
        try:
            names = [k async for k in self._redis.scan_iter(keys.worker_heartbeat_pattern())]
            values = await self._redis.mget(names) if names else []
        except RedisError as exc:
            raise QueueError(f"could not list workers: {exc}") from exc
        return [WorkerInfo(**json.loads(v)) for v in values if v is not None]

    async def ping(self) -> None:
        try:
            await self._redis.ping()
        except RedisError as exc:
            raise QueueError(f"Redis unreachable: {exc}") from exc

    async def close(self) -> None:
        await self._redis.aclose()
