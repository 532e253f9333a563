"""The worker loop on the embedded queue, with real math grading and a scripted sandbox."""

from __future__ import annotations

import asyncio

import pytest
from referee_client.protocol import ScoreRequest
from referee_service.jobs import Job, now_epoch_ms, plan_jobs
from referee_service.judge import Judge
from referee_service.queue import MemoryQueue
from referee_service.worker import Worker
from referee_verifiers import IsolatedPool

from .conftest import ScriptedBackend, exited, make_judge


@pytest.fixture
def judge(pool: IsolatedPool) -> Judge:
    backend = ScriptedBackend(lambda spec: exited(stdout="1\n"))
    return make_judge(pool, backend)


def _jobs(items: list[dict[str, object]], deadline_ms: int | None = None) -> list[Job]:
    request = ScoreRequest.model_validate({"items": items})
    deadline = deadline_ms if deadline_ms is not None else now_epoch_ms() + 30_000
    return plan_jobs(request, "req", deadline, math_group_size=2)


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
