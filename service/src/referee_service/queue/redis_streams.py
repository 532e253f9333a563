"""The shared queue on Redis Streams: one stream of jobs per tenant, one consumer group.

Jobs are stream entries (``XADD``) read by workers through a consumer group
(``XREADGROUP``), so each job goes to one worker and stays pending until ``XACK``. A worker
reads every tenant's stream at once with the same small count, so tenants are served
round-robin however long one tenant's backlog is. Jobs of a worker that died stay pending;
``reclaim`` takes them over with ``XAUTOCLAIM`` once idle, and live workers ``touch``
(``XCLAIM ... JUSTID``) what they are still judging so it never looks idle.

Results go to a per-request hash (first write wins, ``HSETNX``) and a doorbell list that
wakes the waiter (``BLPOP``); both expire a while after the request deadline, so an
abandoned request leaves nothing behind, and a retry can read them again meanwhile.

An entry that does not read as a job (whoever wrote it) is a dead letter: acknowledged,
deleted and, as far as it can be read, answered ``internal_error`` (``dead_letter.py``),
so it can neither stop a worker nor come back to stop the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.client import NEVER_DECODE
from redis.exceptions import RedisError, ResponseError

from referee_service import keys
from referee_service.jobs import Job, JobResult, now_epoch_ms
from referee_service.queue.base import Delivery, QueueError, TenantBacklog, WorkerInfo
from referee_service.queue.dead_letter import salvage

log = logging.getLogger(__name__)

# Results outlive the request deadline by this much so a slow reader still finds them.
RESULT_TTL_MARGIN_S = 60
# ... but never longer than this, whatever deadline a job claims (EXPIRE refuses absurd
# values, and a result that cannot be stored would be retried until that deadline).
MAX_RESULT_TTL_S = 24 * 3600
# How much of an unreadable entry goes to the log.
DEAD_LETTER_LOG_CHARS = 500
# Every command, blocking ones included, must answer within SOCKET_TIMEOUT_S or Redis is
# treated as gone (a fast 503 rather than a hung request). Blocking reads therefore wait in
# slices of at most BLOCK_SLICE_S, well inside the socket timeout.
SOCKET_TIMEOUT_S = 5.0
BLOCK_SLICE_S = 2.0
# A waiter rides out a Redis restart by retrying this often until its deadline.
RECONNECT_EVERY_S = 0.5
# The tenant list is re-read at most this often by a reserving worker.
TENANTS_REFRESH_S = 1.0


def redis_client(url: str, *, max_connections: int = 256) -> aioredis.Redis:
    """A client whose every command gives up within ``SOCKET_TIMEOUT_S``."""
    return aioredis.Redis.from_url(
        url,
        max_connections=max_connections,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
    )


def _receipt(tenant: str, entry_id: str) -> str:
    return f"{tenant} {entry_id}"


def _stream_entry(delivery: Delivery) -> tuple[str, str]:
    """The stream and entry id the job was read from. Taken from the receipt, not from the
    job's ``tenant``, which is only what the entry claims."""
    tenant, entry_id = delivery.receipt.rsplit(" ", 1)
    return keys.job_stream(tenant), entry_id


def _result_ttl_s(deadline_ms: int | None) -> int:
    remaining_s = (deadline_ms - now_epoch_ms()) / 1000 if deadline_ms is not None else 0
    return max(1, min(int(remaining_s) + RESULT_TTL_MARGIN_S, MAX_RESULT_TTL_S))


def _store_result(pipe: Any, result: JobResult, ttl_s: int) -> None:
    """Queue on ``pipe``: keep ``result`` (the first one stored wins) and wake the waiter."""
    pipe.hsetnx(keys.results(result.request_id), result.job_id, result.model_dump_json())
    pipe.expire(keys.results(result.request_id), ttl_s)
    pipe.rpush(keys.results_doorbell(result.request_id), result.job_id)
    pipe.expire(keys.results_doorbell(result.request_id), ttl_s)


def _remove_entry(pipe: Any, stream: str, entry_id: str) -> None:
    """Queue on ``pipe``: acknowledge the entry and delete it, so it is never read again."""
    pipe.xack(stream, keys.WORKER_GROUP, entry_id)
    pipe.xdel(stream, entry_id)


class RedisQueue:
    """``JobQueue`` on Redis Streams. ``url`` is a redis:// DSN."""

    def __init__(self, url: str, *, max_connections: int = 256) -> None:
        self._redis = redis_client(url, max_connections=max_connections)
        self._groups: set[str] = set()
        self._tenants: list[str] = []
        self._tenants_read_at = 0.0
        self._turn = 0

    async def _ensure_group(self, tenant: str) -> None:
        if tenant in self._groups:
            return
        try:
            await self._redis.xgroup_create(
                keys.job_stream(tenant), keys.WORKER_GROUP, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(tenant)

    def _forget_groups(self, exc: RedisError) -> None:
        # A Redis that restarted without its data has no groups: create them again.
        if "NOGROUP" in str(exc):
            self._groups.clear()

    async def enqueue(self, jobs: Sequence[Job]) -> None:
        try:
            for tenant in {job.tenant for job in jobs}:
                await self._ensure_group(tenant)
            async with self._redis.pipeline(transaction=False) as pipe:
                for tenant in {job.tenant for job in jobs}:
                    pipe.sadd(keys.tenants(), tenant)
                for job in jobs:
                    pipe.xadd(keys.job_stream(job.tenant), {"job": job.model_dump_json()})
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not enqueue jobs: {exc}") from exc

    async def _known_tenants(self) -> list[str]:
        if time.monotonic() - self._tenants_read_at > TENANTS_REFRESH_S:
            members: Any = await self._redis.smembers(keys.tenants())
            self._tenants = sorted(members)
            self._tenants_read_at = time.monotonic()
        return self._tenants

    async def reserve(self, consumer: str, count: int, block_s: float) -> list[Delivery]:
        try:
            tenants = await self._known_tenants()
            if not tenants:
                await asyncio.sleep(min(block_s, BLOCK_SLICE_S))
                return []
            for tenant in tenants:
                await self._ensure_group(tenant)
            # Ask each tenant in turn for the same share, starting one further each call:
            # a tenant with 20,000 jobs waiting gets no more of this worker's slots than one
            # with 2. Only when every stream is empty, block on all of them at once.
            self._turn = (self._turn + 1) % len(tenants)
            share = max(1, count // len(tenants))
            deliveries: list[Delivery] = []
            for tenant in tenants[self._turn :] + tenants[: self._turn]:
                want = min(share, count - len(deliveries))
                if want <= 0:
                    break
                deliveries += await self._accept(await self._read(consumer, {tenant}, want, None))
            if deliveries:
                return deliveries
            block_ms = max(1, int(min(block_s, BLOCK_SLICE_S) * 1000))
            return await self._accept(await self._read(consumer, set(tenants), 1, block_ms))
        except RedisError as exc:
            self._forget_groups(exc)
            raise QueueError(f"could not read jobs: {exc}") from exc

    async def _read(
        self, consumer: str, tenants: set[str], count: int, block_ms: int | None
    ) -> Any:
        streams = [keys.job_stream(t) for t in sorted(tenants)]
        args: list[Any] = ["GROUP", keys.WORKER_GROUP, consumer, "COUNT", count]
        if block_ms is not None:
            args += ["BLOCK", block_ms]
        args += ["STREAMS", *streams, *[">"] * len(streams)]
        return await self._undecoded("XREADGROUP", *args)

    async def _undecoded(self, *command: Any) -> Any:
        """``command``'s reply as bytes, for the commands that read job entries: decoded, one
        entry that is not UTF-8 would fail the whole reply, after Redis had already made
        every entry in it pending on us. ``_accept`` reads each entry on its own."""
        return await self._redis.execute_command(*command, **{NEVER_DECODE: True})  # type: ignore[no-untyped-call]

    async def _accept(self, reply: Any) -> list[Delivery]:
        """Deliveries for the entries of an undecoded read; dead-letters the unreadable."""
        deliveries: list[Delivery] = []
        for raw_stream, entries in reply or []:
            stream = raw_stream.decode()  # our own key: ASCII prefix and a tenant we wrote
            tenant = stream.split(":", 2)[2]
            for raw_id, fields in entries:
                entry_id = raw_id.decode()
                if not fields:  # deleted while pending (XDEL raced a reclaim)
                    continue
                raw = fields.get(b"job")
                try:
                    job = Job.model_validate_json(raw if raw is not None else b"")
                except Exception as exc:  # whatever makes it unreadable, it must not return
                    await self._bury(stream, entry_id, raw, exc)
                    continue
                deliveries.append(Delivery(job=job, receipt=_receipt(tenant, entry_id)))
        return deliveries

    async def _bury(self, stream: str, entry_id: str, raw: bytes | None, exc: Exception) -> None:
        """Remove an unreadable entry, answering internal_error for what it can be read to
        hold, so its request hears back now rather than timing out."""
        found = salvage(raw)
        if found is None:
            answered = "nothing in it says whose it was"
        else:
            answered = (
                f"answered {len(found.result.results)} item(s) of request"
                f" {found.result.request_id!r} internal_error"
            )
        log.error(
            "dead letter: removed entry %s of %s, not a job we can read (%s: %s); %s; entry: %s",
            entry_id,
            stream,
            type(exc).__name__,
            str(exc)[:DEAD_LETTER_LOG_CHARS],
            answered,
            "(no job field)" if raw is None else repr(raw[:DEAD_LETTER_LOG_CHARS]),
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            if found is not None:
                _store_result(pipe, found.result, _result_ttl_s(found.deadline_ms))
            _remove_entry(pipe, stream, entry_id)
            await pipe.execute()

    async def complete(self, delivery: Delivery, result: JobResult) -> None:
        stream, entry_id = _stream_entry(delivery)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                _store_result(pipe, result, _result_ttl_s(delivery.job.deadline_ms))
                _remove_entry(pipe, stream, entry_id)
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not store a result: {exc}") from exc

    async def release(self, delivery: Delivery) -> None:
        stream, entry_id = _stream_entry(delivery)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(stream, {"job": delivery.job.model_dump_json()})
                _remove_entry(pipe, stream, entry_id)
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not hand a job back: {exc}") from exc

    async def touch(self, consumer: str, deliveries: Sequence[Delivery]) -> None:
        by_stream: dict[str, list[Any]] = {}
        for d in deliveries:
            stream, entry_id = _stream_entry(d)
            by_stream.setdefault(stream, []).append(entry_id)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for stream, ids in by_stream.items():
                    # Claiming our own entries with min-idle 0 resets their idle clock.
                    pipe.xclaim(stream, keys.WORKER_GROUP, consumer, 0, ids, justid=True)
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not refresh jobs in progress: {exc}") from exc

    async def reclaim(self, consumer: str, idle_s: float, count: int) -> list[Delivery]:
        deliveries: list[Delivery] = []
        try:
            for tenant in await self._known_tenants():
                if len(deliveries) >= count:
                    break
                await self._ensure_group(tenant)
                stream = keys.job_stream(tenant)
                reply = await self._undecoded(
                    "XAUTOCLAIM",
                    stream,
                    keys.WORKER_GROUP,
                    consumer,
                    int(idle_s * 1000),
                    "0-0",
                    "COUNT",
                    count - len(deliveries),
                )
                deliveries += await self._accept([(stream.encode(), reply[1])])
        except RedisError as exc:
            self._forget_groups(exc)
            raise QueueError(f"could not reclaim jobs: {exc}") from exc
        return deliveries

    async def wait_results(
        self, request_id: str, job_ids: set[str], timeout_s: float
    ) -> dict[str, JobResult]:
        found: dict[str, JobResult] = {}
        deadline = time.monotonic() + timeout_s
        failure: RedisError | None = None
        while True:
            try:
                await self._collect(request_id, job_ids, found)
                failure = None
                remaining_s = deadline - time.monotonic()
                if job_ids <= found.keys() or remaining_s <= 0:
                    return found
                # BLPOP takes fractional seconds; 0 would block forever.
                await self._redis.blpop(
                    [keys.results_doorbell(request_id)],
                    timeout=max(0.01, min(remaining_s, BLOCK_SLICE_S)),
                )
            except RedisError as exc:
                # Ride out a Redis restart: the jobs are safe in the stream (with
                # persistence) and workers retry their writes, so keep trying until the
                # deadline and fail only if Redis is still gone then.
                failure = exc
                if time.monotonic() >= deadline:
                    raise QueueError(
                        f"lost the queue while waiting for results: {failure}"
                    ) from exc
                await asyncio.sleep(RECONNECT_EVERY_S)

    async def _collect(
        self, request_id: str, job_ids: set[str], found: dict[str, JobResult]
    ) -> None:
        missing = sorted(job_ids - found.keys())
        if not missing:
            return
        values = await self._redis.hmget(keys.results(request_id), missing)
        for value in values:
            if value is not None:
                result = JobResult.model_validate_json(value)
                found.setdefault(result.job_id, result)

    async def backlog(self) -> list[TenantBacklog]:
        out = []
        try:
            for tenant in await self._known_tenants():
                stream = keys.job_stream(tenant)
                await self._ensure_group(tenant)
                groups: Any = await self._redis.xinfo_groups(stream)
                group = next(g for g in groups if g["name"] == keys.WORKER_GROUP)
                length = await self._redis.xlen(stream)
                # Completed entries are deleted, so the stream holds exactly the unfinished
                # jobs and its first entry is the oldest of them.
                oldest: Any = await self._redis.xrange(stream, count=1)
                age_s = 0.0
                if oldest:
                    age_s = max(0.0, (now_epoch_ms() - int(oldest[0][0].split("-")[0])) / 1000)
                out.append(
                    TenantBacklog(
                        tenant=tenant,
                        waiting=max(0, length - int(group["pending"])),
                        pending=int(group["pending"]),
                        oldest_age_s=age_s,
                    )
                )
        except RedisError as exc:
            raise QueueError(f"could not read the backlog: {exc}") from exc
        return out

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
