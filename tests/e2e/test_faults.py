"""Faults in a running deployment: every item is answered exactly once with its right verdict.

Real processes throughout: a redis-server with append-only persistence, `referee serve` on
it, `referee worker`s judging code in real Docker sandboxes. Each test breaks one thing
mid-batch: SIGKILL a worker, restart Redis, restart the API before an idempotent retry.
"""

from __future__ import annotations

import concurrent.futures
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.e2e.processes import Api, RefereeProcess, referee_env
from tests.support import RedisServer

pytestmark = [pytest.mark.docker, pytest.mark.redis]

# Each program takes about a second, so the batch is still running when the fault hits.
SLOW_DOUBLER = "import time\ntime.sleep({s})\nprint(2 * int(input()))"


def batch(n_code: int, n_math: int, program_s: float = 1.0) -> list[dict[str, Any]]:
    code = [
        {
            "id": f"c{i}",
            "kind": "code",
            "completion": SLOW_DOUBLER.format(s=program_s),
            "tests": [{"stdin": f"{i}\n", "stdout": f"{2 * i}\n"}],
        }
        for i in range(n_code)
    ]
    wrong = {**code[0], "id": "wrong", "tests": [{"stdin": "1\n", "stdout": "3\n"}]}
    math = [
        {"id": f"m{i}", "kind": "math", "completion": f"\\boxed{{{i}/2}}", "gold": str(i / 2)}
        for i in range(n_math)
    ]
    return [*code, wrong, *math]


def assert_each_answered_once_correctly(items: list[dict[str, Any]], response: Any) -> None:
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["id"] for r in results] == [i["id"] for i in items]
    verdicts = {r["id"]: r["status"] for r in results}
    expected = {i["id"]: "incorrect" if i["id"] == "wrong" else "correct" for i in items}
    assert verdicts == expected


class Deployment:
    """Redis with persistence, one API, workers on it; torn down by the fixture."""

    def __init__(self, tmp: Path) -> None:
        (tmp / "redis").mkdir()
        self.tmp = tmp
        self.redis = RedisServer(data_dir=str(tmp / "redis"))
        self.redis.start()
        self.env = referee_env(
            REDIS_URL=self.redis.url,
            REFEREE_WORKER__HEARTBEAT_S="0.5",
            REFEREE_WORKER__RECLAIM_IDLE_S="3",
            REFEREE_WORKER_CONCURRENCY="4",
        )
        self.workers: list[RefereeProcess] = []
        self.api = self.new_api()

    def new_api(self, port: int | None = None) -> Api:
        api = Api(self.env, self.tmp / "api.log", port=port)
        return api

    def add_worker(self) -> RefereeProcess:
        n = len(self.workers)
        worker = RefereeProcess(
            ["worker", "--name", f"w{n}"], self.env, self.tmp / f"worker{n}.log"
        ).start()
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for process in [self.api, *self.workers]:
            process.stop()
        self.redis.stop()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(tmp_path)
    try:
        yield d
    finally:
        d.stop()


def post_in_background(url: str, items: list[dict[str, Any]], **headers: str) -> Any:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(
        httpx.post,
        f"{url}/v1/score",
        json={"items": items, "options": {"timeout_s": 120}},
        headers=headers,
        timeout=150,
    )
    pool.shutdown(wait=False)
    return future


def test_a_worker_killed_mid_batch_has_its_jobs_finished_by_another(
    deployment: Deployment,
) -> None:
    victim = deployment.add_worker()
    deployment.api.start().wait_ready()
    items = batch(n_code=8, n_math=6)
    pending = post_in_background(deployment.api.url, items)
    time.sleep(1.5)  # the victim holds every code job (concurrency 4, nobody else yet)
    victim.signal(signal.SIGKILL)
    deployment.add_worker()
    assert_each_answered_once_correctly(items, pending.result())
    assert "reclaimed" in deployment.workers[1].log()


def test_a_redis_restart_mid_batch_loses_nothing(deployment: Deployment) -> None:
    deployment.add_worker()
    deployment.add_worker()
    deployment.api.start().wait_ready()
    items = batch(n_code=8, n_math=6)
    pending = post_in_background(deployment.api.url, items)
    time.sleep(1.5)
    deployment.redis.restart(down_s=1.0)
    assert_each_answered_once_correctly(items, pending.result())


def test_a_retry_after_an_api_restart_returns_the_original_results_without_rerunning(
    deployment: Deployment,
) -> None:
    deployment.add_worker()
    deployment.api.start().wait_ready()
    items = batch(n_code=4, n_math=3)
    key = {"Idempotency-Key": "trainer-step-7"}
    lost = post_in_background(deployment.api.url, items, **key)
    time.sleep(1.0)
    deployment.api.signal(signal.SIGKILL)  # the client never gets its response
    deployment.api.wait(within_s=10)
    with pytest.raises(httpx.TransportError):
        lost.result()
    deployment.api = deployment.new_api(port=deployment.api.port)
    deployment.api.start().wait_ready()
    retry = httpx.post(
        f"{deployment.api.url}/v1/score",
        json={"items": items, "options": {"timeout_s": 120}},
        headers=key,
        timeout=150,
    )
    assert_each_answered_once_correctly(items, retry)
    # The retry waited on the original jobs: none was enqueued a second time.
    info = redis.Redis.from_url(deployment.redis.url).xinfo_stream("referee:jobs:default")
    code_jobs = sum(i["kind"] == "code" for i in items)  # one job per code item
    math_jobs = len({i["gold"] for i in items if i["kind"] == "math"})  # one per gold
    assert info["entries-added"] == code_jobs + math_jobs
    again = httpx.post(
        f"{deployment.api.url}/v1/score",
        json={"items": items, "options": {"timeout_s": 120}},
        headers=key,
        timeout=30,
    )
    assert again.json() == retry.json()
    assert again.headers["idempotent-replayed"] == "true"


def test_sigterm_hands_unfinished_jobs_back_and_exits_cleanly(deployment: Deployment) -> None:
    deployment.env["REFEREE_WORKER__SHUTDOWN_GRACE_S"] = "0.5"
    leaving = deployment.add_worker()
    deployment.api.start().wait_ready()
    # 3 s programs: whatever the timing of the signal, jobs are in flight past the grace.
    items = batch(n_code=8, n_math=0, program_s=3.0)
    pending = post_in_background(deployment.api.url, items)
    time.sleep(1.5)  # it holds 4 slow jobs and more are waiting
    leaving.signal(signal.SIGTERM)
    assert leaving.wait(within_s=15) == 0
    assert "handing" in leaving.log()
    # Handed back, not left to the reclaim timeout: a new worker finishes promptly.
    started = time.monotonic()
    deployment.add_worker()
    assert_each_answered_once_correctly(items, pending.result())
    assert time.monotonic() - started < 30
