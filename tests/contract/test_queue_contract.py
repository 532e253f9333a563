"""One contract, every JobQueue: the in-memory queue and Redis Streams on a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from referee_client.protocol import ItemResult, ScoreRequest
from referee_service import keys
from referee_service.jobs import IndexedResult, Job, JobResult, now_epoch_ms, plan_jobs
from referee_service.queue import JobQueue, MemoryQueue, QueueError, WorkerInfo
from referee_service.queue.redis_streams import RedisQueue


@pytest.fixture(params=["memory", "redis"])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[JobQueue]:
    q: JobQueue
    if request.param == "memory":
        q = MemoryQueue()
    else:
        q = RedisQueue(request.getfixturevalue("redis_url"))
    yield q
    await q.close()


def _jobs(request_id: str, n: int, tenant: str = "default") -> list[Job]:
    request = ScoreRequest.model_validate(
        {"items": [{"kind": "math", "completion": "1", "gold": str(i)} for i in range(n)]}
    )
    deadline = now_epoch_ms() + 30_000
    return plan_jobs(request, request_id, deadline, math_group_size=8, tenant=tenant)


def _result(job: Job) -> JobResult:
    return JobResult(
        request_id=job.request_id,
        job_id=job.job_id,
        results=[
            IndexedResult(
                index=e.index, result=ItemResult(id=str(e.index), reward=1.0, status="correct")
            )
            for e in job.items
        ],
    )


async def test_each_job_is_delivered_once_and_its_result_reaches_the_waiter(
    queue: JobQueue,
) -> None:
    jobs = _jobs("req-1", 5)
    await queue.enqueue(jobs)
    waiter = asyncio.create_task(queue.wait_results("req-1", {j.job_id for j in jobs}, 10))
    seen = []
    while len(seen) < len(jobs):
        for delivery in await queue.reserve("w1", count=2, block_s=1):
            seen.append(delivery.job)
            await queue.complete(delivery, _result(delivery.job))
    assert sorted(j.job_id for j in seen) == sorted(j.job_id for j in jobs)
    results = await waiter
    assert set(results) == {j.job_id for j in jobs}
    assert await queue.reserve("w1", count=1, block_s=0.1) == []


async def test_two_consumers_split_the_jobs(queue: JobQueue) -> None:
    jobs = _jobs("req-2", 6)
    await queue.enqueue(jobs)
    a = await queue.reserve("a", count=3, block_s=1)
    b = await queue.reserve("b", count=10, block_s=1)
    assert len(a) == 3 and len(b) == 3
    assert {d.job.job_id for d in a}.isdisjoint({d.job.job_id for d in b})


async def test_waiting_stops_at_the_timeout_with_what_arrived(queue: JobQueue) -> None:
    jobs = _jobs("req-3", 2)
    await queue.enqueue(jobs)
    first = (await queue.reserve("w", count=1, block_s=1))[0]
    await queue.complete(first, _result(first.job))
    started = asyncio.get_running_loop().time()
    results = await queue.wait_results("req-3", {j.job_id for j in jobs}, 0.5)
    assert set(results) == {first.job.job_id}
    assert asyncio.get_running_loop().time() - started < 2


async def test_a_duplicate_result_counts_once(queue: JobQueue) -> None:
    jobs = _jobs("req-4", 1)
    await queue.enqueue(jobs)
    delivery = (await queue.reserve("w", count=1, block_s=1))[0]
    await queue.complete(delivery, _result(delivery.job))
    await queue.complete(delivery, _result(delivery.job))
    results = await queue.wait_results("req-4", {jobs[0].job_id}, 2)
    assert list(results) == [jobs[0].job_id]


async def test_reserve_returns_nothing_after_block_when_empty(queue: JobQueue) -> None:
    assert await queue.reserve("w", count=4, block_s=0.2) == []


async def test_heartbeats_expire(queue: JobQueue) -> None:
    await queue.heartbeat(WorkerInfo("w1", "docker", True), ttl_s=0.3)
    await queue.heartbeat(WorkerInfo("w2", "none", False, "no sandbox"), ttl_s=30)
    assert {w.name for w in await queue.live_workers()} == {"w1", "w2"}
    await asyncio.sleep(0.5)
    assert [w.name for w in await queue.live_workers()] == ["w2"]


async def test_ping_succeeds_on_a_working_queue(queue: JobQueue) -> None:
    await queue.ping()


async def test_redis_queue_reports_an_unreachable_server_as_queue_error(
    dead_redis_url: str,
) -> None:
    q = RedisQueue(dead_redis_url)
    with pytest.raises(QueueError, match="Redis unreachable"):
        await q.ping()
    with pytest.raises(QueueError):
        await q.enqueue(_jobs("req-5", 1))
    await q.close()


async def test_waits_longer_than_the_connection_timeout_still_get_their_results(
    queue: JobQueue,
) -> None:
    # Code items routinely take longer than any sane socket timeout; the waiter and an idle
    # worker must both sit through that without the connection giving up.
    jobs = _jobs("req-slow", 1)
    waiter = asyncio.create_task(queue.wait_results("req-slow", {jobs[0].job_id}, 30))
    assert await queue.reserve("w1", count=1, block_s=6.5) == []
    await asyncio.sleep(6 - 2)  # the Redis queue's reserve blocks in 2 s slices
    await queue.enqueue(jobs)
    (delivery,) = await queue.reserve("w1", count=1, block_s=1)
    await queue.complete(delivery, _result(delivery.job))
    assert set(await waiter) == {jobs[0].job_id}


async def test_tenants_are_served_in_turn_however_long_one_backlog_is(queue: JobQueue) -> None:
    await queue.enqueue(_jobs("flood", 40, tenant="a"))
    await queue.enqueue(_jobs("trickle", 2, tenant="b"))
    served: list[str] = []
    while len(served) < 6:
        served += [d.job.tenant for d in await queue.reserve("w", count=2, block_s=1)]
    # Both of b's jobs arrive within the first few reservations despite a's 40 in front.
    assert served.count("b") == 2, served


async def test_a_released_job_goes_to_the_next_worker(queue: JobQueue) -> None:
    jobs = _jobs("req-release", 1)
    await queue.enqueue(jobs)
    (first,) = await queue.reserve("leaving", count=1, block_s=1)
    await queue.release(first)
    (again,) = await queue.reserve("other", count=1, block_s=1)
    assert again.job == first.job


async def test_jobs_of_a_silent_worker_are_reclaimed_and_touched_ones_are_not(
    queue: JobQueue,
) -> None:
    await queue.enqueue(_jobs("req-reclaim", 2))
    dead, alive = await queue.reserve("dead", count=2, block_s=1)
    await asyncio.sleep(0.6)
    await queue.touch("dead-but-touching", [alive])
    reclaimed = await queue.reclaim("rescuer", idle_s=0.5, count=10)
    assert [d.job.job_id for d in reclaimed] == [dead.job.job_id]
    waiter = asyncio.create_task(queue.wait_results("req-reclaim", {dead.job.job_id}, 5))
    await queue.complete(reclaimed[0], _result(reclaimed[0].job))
    assert set(await waiter) == {dead.job.job_id}
    assert await queue.reclaim("rescuer", idle_s=0.5, count=10) == []


async def test_results_can_be_read_again_by_a_second_waiter(queue: JobQueue) -> None:
    jobs = _jobs("req-twice", 1)
    await queue.enqueue(jobs)
    (delivery,) = await queue.reserve("w", count=1, block_s=1)
    await queue.complete(delivery, _result(delivery.job))
    ids = {jobs[0].job_id}
    first = await queue.wait_results("req-twice", ids, 2)
    assert first == await queue.wait_results("req-twice", ids, 2)


async def test_backlog_counts_waiting_and_pending_jobs_per_tenant(queue: JobQueue) -> None:
    await queue.enqueue(_jobs("req-backlog", 3, tenant="t1"))
    await queue.reserve("w", count=1, block_s=1)
    (t1,) = [b for b in await queue.backlog() if b.tenant == "t1"]
    assert (t1.waiting, t1.pending) == (2, 1)
    assert t1.oldest_age_s >= 0


# Entries no worker can read. Only the Redis queue holds serialized jobs (the memory queue
# hands over the Job objects themselves), so these run against Redis, entries put straight
# into the stream as any client of that Redis could, whatever the API would let through.


@pytest.fixture
async def redis_queue(redis_url: str) -> AsyncIterator[RedisQueue]:
    q = RedisQueue(redis_url)
    yield q
    await q.close()


@pytest.fixture
async def raw_redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)  # bytes in, bytes out
    yield client
    await client.aclose()


async def _put_raw(
    raw_redis: aioredis.Redis, fields: dict[str, Any], tenant: str = "default"
) -> None:
    await raw_redis.sadd(keys.tenants(), tenant)
    await raw_redis.xadd(keys.job_stream(tenant), fields)


def _unreadable_job(request_id: str) -> str:
    """A job as the API would have written it, but with a composite weight the model
    refuses (what ``Infinity`` became once serialized: ``null``)."""
    job = _jobs(request_id, 1)[0].model_dump(mode="json")
    job["items"] = [
        {
            "index": 0,
            "item": {
                "kind": "composite",
                "id": "first",
                "completion": "x",
                "components": [{"weight": None, "item": {"kind": "math", "gold": "3"}}],
            },
        },
        {"index": 2, "item": {"kind": "composite", "completion": "x", "components": []}},
    ]
    return json.dumps(job)


async def _leftovers(raw_redis: aioredis.Redis, tenant: str = "default") -> tuple[int, int]:
    """(entries in the tenant's stream, entries pending on any consumer)."""
    stream = keys.job_stream(tenant)
    pending: Any = await raw_redis.xpending(stream, keys.WORKER_GROUP)
    return await raw_redis.xlen(stream), pending["pending"]


async def test_an_unreadable_job_is_answered_internal_error_and_removed(
    redis_queue: RedisQueue, raw_redis: aioredis.Redis
) -> None:
    await _put_raw(raw_redis, {"job": _unreadable_job("req-poison")})
    good = _jobs("req-good", 1)
    await redis_queue.enqueue(good)
    waiter = asyncio.create_task(redis_queue.wait_results("req-poison", {"0"}, 10))
    delivered = await redis_queue.reserve("w", count=5, block_s=1)
    # The readable job behind it is delivered; the unreadable one answers its request now.
    assert [d.job for d in delivered] == good
    (answer,) = (await waiter).values()
    assert [(r.index, r.result.id, r.result.status.value) for r in answer.results] == [
        (0, "first", "internal_error"),
        (2, "2", "internal_error"),
    ]
    assert "could not read" in answer.results[0].result.details["error"]
    await redis_queue.complete(delivered[0], _result(delivered[0].job))
    assert await _leftovers(raw_redis) == (0, 0)  # never to be read again


@pytest.mark.parametrize(
    "fields",
    [
        {"job": "{not json"},
        {"job": b"\xff\xfe not UTF-8"},
        {"job": "[" * 100_000},
        {"job": json.dumps({"request_id": "r", "job_id": "0", "items": "not a list"})},
        {"something": "else"},
    ],
    ids=["not-json", "not-utf8", "deep", "wrong-shape", "no-job-field"],
)
async def test_an_entry_that_is_not_a_job_is_removed_and_the_rest_still_delivered(
    redis_queue: RedisQueue, raw_redis: aioredis.Redis, fields: dict[str, Any]
) -> None:
    await _put_raw(raw_redis, fields)
    good = _jobs("req-good", 2)
    await redis_queue.enqueue(good)
    delivered = await redis_queue.reserve("w", count=5, block_s=1)
    assert sorted(d.job.job_id for d in delivered) == sorted(j.job_id for j in good)
    assert await _leftovers(raw_redis) == (2, 2)  # the good ones, pending on "w"


async def test_unreadable_entries_left_pending_by_a_dead_worker_are_removed_on_reclaim(
    redis_queue: RedisQueue, raw_redis: aioredis.Redis
) -> None:
    # A worker that read these and died (as one that crashed on them did) left them pending.
    await _put_raw(raw_redis, {"job": _unreadable_job("req-poison")})
    await _put_raw(raw_redis, {"job": b"\xff"})
    good = _jobs("req-good", 1)
    await redis_queue.enqueue(good)  # creates the group, from the stream's start
    await raw_redis.xreadgroup(keys.WORKER_GROUP, "dead", {keys.job_stream("default"): ">"})
    reclaimed = await redis_queue.reclaim("rescuer", idle_s=0, count=10)
    assert [d.job for d in reclaimed] == good
    poisoned = await redis_queue.wait_results("req-poison", {"0"}, 5)
    assert {r.result.status.value for r in poisoned["0"].results} == {"internal_error"}
    assert await _leftovers(raw_redis) == (1, 1)  # the good one, now the rescuer's


async def test_a_completed_job_leaves_the_stream_it_was_read_from_whatever_it_claims(
    redis_queue: RedisQueue, raw_redis: aioredis.Redis
) -> None:
    # The entry's own tenant field is only a claim: acknowledging in the stream it names
    # would leave the real entry pending, to be reclaimed and judged again forever.
    (job,) = _jobs("req-elsewhere", 1, tenant="somebody-else")
    await _put_raw(raw_redis, {"job": job.model_dump_json()}, tenant="default")
    (delivery,) = await redis_queue.reserve("w", count=1, block_s=1)
    await redis_queue.touch("w", [delivery])
    await redis_queue.complete(delivery, _result(delivery.job))
    assert await _leftovers(raw_redis) == (0, 0)
