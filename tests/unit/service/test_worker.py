"""The worker loop on the embedded queue, with real math grading and a scripted sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from referee_client.protocol import ScoreRequest
from referee_service import keys
from referee_service.jobs import Job, JobResult, now_epoch_ms, plan_jobs
from referee_service.judge import Judge
from referee_service.queue import JobQueue, MemoryQueue
from referee_service.queue.redis_streams import RedisQueue
from referee_service.worker import Worker, WorkerTiming
from referee_verifiers import IsolatedPool

from .conftest import ScriptedBackend, exited, make_judge


@pytest.fixture
def judge(pool: IsolatedPool) -> Judge:
    backend = ScriptedBackend(lambda spec: exited(stdout="1\n"))
    return make_judge(pool, backend)


def _jobs(
    items: list[dict[str, object]], deadline_ms: int | None = None, request_id: str = "req"
) -> list[Job]:
    request = ScoreRequest.model_validate({"items": items})
    deadline = deadline_ms if deadline_ms is not None else now_epoch_ms() + 30_000
    return plan_jobs(request, request_id, deadline, math_group_size=2)


async def _drain(judge: Judge, jobs: list[Job]) -> dict[int, str]:
    queue = MemoryQueue()
    await queue.enqueue(jobs)
    waiter = asyncio.create_task(queue.wait_results("req", {j.job_id for j in jobs}, 30))
    await Worker(queue, judge, concurrency=3).run_until_empty()
    finished = await waiter
    return {r.index: r.result.status for f in finished.values() for r in f.results}


async def test_run_until_empty_judges_every_job(judge: Judge) -> None:
    items: list[dict[str, object]] = [
        {"kind": "math", "completion": f"\\boxed{{{i % 3}}}", "gold": "1"} for i in range(7)
    ]
    items.append({"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}]})
    statuses = await _drain(judge, _jobs(items))
    assert statuses == {
        **{i: ("correct" if i % 3 == 1 else "incorrect") for i in range(7)},
        7: "correct",
    }


async def test_a_job_past_its_deadline_is_not_judged_but_answered_timeout(judge: Judge) -> None:
    jobs = _jobs([{"kind": "math", "completion": "1", "gold": "1"}], deadline_ms=now_epoch_ms() - 1)
    assert await _drain(judge, jobs) == {0: "timeout"}


async def test_a_crashing_judge_gives_internal_error_not_a_lost_job(pool: IsolatedPool) -> None:
    def explode(spec: object) -> object:
        raise RuntimeError("bug")

    backend = ScriptedBackend(explode)  # type: ignore[arg-type]
    judge = make_judge(pool, backend)
    jobs = _jobs(
        [
            {"kind": "code", "completion": "x", "tests": [{"stdout": "1"}]},
            {"kind": "math", "completion": "1", "gold": "1"},
        ]
    )
    assert await _drain(judge, jobs) == {0: "internal_error", 1: "correct"}


async def test_run_stops_when_asked_and_finishes_jobs_in_flight(judge: Judge) -> None:
    queue = MemoryQueue()
    stop = asyncio.Event()
    worker = Worker(queue, judge, concurrency=2)
    running = asyncio.create_task(worker.run(stop))
    jobs = _jobs([{"kind": "math", "completion": "1", "gold": "1"}])
    await queue.enqueue(jobs)
    finished = await queue.wait_results("req", {jobs[0].job_id}, 10)
    assert list(finished) == [jobs[0].job_id]
    assert [w.name for w in await queue.live_workers()] == [worker.name]
    stop.set()
    await asyncio.wait_for(running, timeout=5)


# A worker survives whatever one job, one entry or one chore throws at it. These run on
# both queues where the fault can happen on both, on Redis where only Redis can have it.

FAST = WorkerTiming(heartbeat_s=0.1, shutdown_grace_s=2)
RIGHT = {"kind": "math", "completion": "\\boxed{2}", "gold": "2"}


@pytest.fixture(params=["memory", "redis"])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[JobQueue]:
    q: JobQueue = (
        MemoryQueue()
        if request.param == "memory"
        else RedisQueue(request.getfixturevalue("redis_url"))
    )
    yield q
    await q.close()


@contextlib.asynccontextmanager
async def _running(worker: Worker) -> AsyncIterator[asyncio.Task[None]]:
    """``worker.run()`` in the background; stopped, and any crash raised, on the way out."""
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


async def _answer(queue: JobQueue, jobs: list[Job], within_s: float = 10) -> dict[int, str]:
    """The statuses, by item index, of the jobs' results (of those in within ``within_s``)."""
    found = await queue.wait_results(jobs[0].request_id, {j.job_id for j in jobs}, within_s)
    return {r.index: r.result.status.value for f in found.values() for r in f.results}


class _Faulty:
    """``queue`` with one method raising ``fault`` on its first ``times`` calls: a bug, not
    an outage (``QueueError``)."""

    def __init__(self, queue: JobQueue, method: str, times: int = 1) -> None:
        self._queue, self._method, self._left = queue, method, times

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._queue, name)
        if name != self._method:
            return real

        async def faulty(*args: Any, **kwargs: Any) -> Any:
            if self._left > 0:
                self._left -= 1
                raise TypeError(f"a bug in {name}")
            return await real(*args, **kwargs)

        return faulty


async def test_a_judge_that_raises_answers_internal_error_and_the_worker_goes_on(
    judge: Judge, queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged = judge.run

    async def run(job: Job) -> JobResult:
        if job.request_id == "broken":
            raise RuntimeError("a bug in the judge")
        return await judged(job)

    monkeypatch.setattr(judge, "run", run)
    async with _running(Worker(queue, judge, timing=FAST)):
        broken = _jobs([RIGHT, RIGHT], request_id="broken")
        await queue.enqueue(broken)
        assert await _answer(queue, broken) == {0: "internal_error", 1: "internal_error"}
        after = _jobs([RIGHT], request_id="after")
        await queue.enqueue(after)
        assert await _answer(queue, after) == {0: "correct"}


async def test_a_result_the_queue_refuses_is_replaced_by_internal_error(
    judge: Judge, queue: JobQueue
) -> None:
    faulty: Any = _Faulty(queue, "complete")
    async with _running(Worker(faulty, judge, timing=FAST)):
        jobs = _jobs([RIGHT], request_id="refused")
        await queue.enqueue(jobs)
        # Not left pending to be reclaimed and refused again until the request times out.
        assert await _answer(queue, jobs) == {0: "internal_error"}


async def test_a_bug_while_reserving_is_retried_not_fatal(judge: Judge, queue: JobQueue) -> None:
    faulty: Any = _Faulty(queue, "reserve")
    async with _running(Worker(faulty, judge, timing=FAST)):
        jobs = _jobs([RIGHT], request_id="later")
        await queue.enqueue(jobs)
        assert await _answer(queue, jobs) == {0: "correct"}


async def test_chores_that_fail_with_a_bug_keep_beating(
    judge: Judge, queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    described = judge.describe
    failures = iter([True, True])

    async def describe(name: str) -> Any:
        if next(failures, False):
            raise RuntimeError("a bug while checking the sandbox")
        return await described(name)

    monkeypatch.setattr(judge, "describe", describe)
    worker = Worker(queue, judge, timing=FAST)
    async with _running(worker):
        for _ in range(50):
            if [w.name for w in await queue.live_workers()] == [worker.name]:
                break
            await asyncio.sleep(0.1)
        assert [w.name for w in await queue.live_workers()] == [worker.name]


async def test_cancelling_the_worker_still_stops_it_and_hands_its_job_back(
    judge: Judge, queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def run(job: Job) -> JobResult:
        started.set()
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    monkeypatch.setattr(judge, "run", run)
    running = asyncio.create_task(Worker(queue, judge, timing=FAST).run())
    jobs = _jobs([RIGHT], request_id="cancelled")
    await queue.enqueue(jobs)
    await asyncio.wait_for(started.wait(), timeout=10)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, timeout=10)
    (again,) = await queue.reserve("next", count=1, block_s=2)
    assert again.job == jobs[0]


async def test_an_unreadable_entry_neither_stops_the_worker_nor_leaves_its_request_waiting(
    judge: Judge, redis_url: str
) -> None:
    queue = RedisQueue(redis_url)
    raw = aioredis.Redis.from_url(redis_url)
    # A job the model cannot read back: a composite weight of Infinity serializes as null.
    composite: dict[str, object] = {
        "kind": "composite",
        "completion": "\\boxed{2}",
        "components": [{"weight": 1, "item": {"kind": "math", "gold": "2"}}],
    }
    poisoned = _jobs([composite], request_id="poisoned")
    entry = poisoned[0].model_dump(mode="json")
    entry["items"][0]["item"]["components"][0]["weight"] = None
    await raw.sadd(keys.tenants(), "default")
    await raw.xadd(keys.job_stream("default"), {"job": json.dumps(entry)})
    try:
        async with _running(Worker(queue, judge, timing=FAST)) as running:
            assert await _answer(queue, poisoned) == {0: "internal_error"}
            after = _jobs([RIGHT], request_id="after")
            await queue.enqueue(after)
            assert await _answer(queue, after) == {0: "correct"}
            assert not running.done()
    finally:
        await raw.aclose()
        await queue.close()
