"""One contract, every JobQueue: the in-memory queue and Redis Streams on a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from referee_client.protocol import ItemResult, ScoreRequest
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
