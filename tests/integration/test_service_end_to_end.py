"""The real thing: `referee serve` and `referee worker` processes, real Redis, real Docker."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from referee_client import verl

from tests.support import RedisServer, free_port

pytestmark = [pytest.mark.docker, pytest.mark.redis]

REFEREE = str(Path(sys.executable).with_name("referee"))

MATH = {
    "id": "m1",
    "kind": "math",
    "completion": "... so the answer is \\boxed{\\frac{1}{2}}",
    "gold": "0.5",
}
STDIO = {
    "id": "c1",
    "kind": "code",
    "language": "python",
    "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
    "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}],
}
ASSERTS = {
    "id": "c2",
    "kind": "code",
    "language": "python",
    "completion": "def add(a, b):\n    return a + b",
    "test_code": "assert add(1, 2) == 3\nassert add(-1, 1) == 0",
    "entry_point": "add",
}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [REFEREE, *args], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )


def _wait_ready(base_url: str, proc: subprocess.Popen[bytes], log: Path, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"referee exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.TransportError as exc:
            last = str(exc)
        time.sleep(0.2)
    pytest.fail(f"not ready after {within_s} s: {last}\n{log.read_text()[-3000:]}")


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`referee serve` with no Redis: embedded queue and workers, real Docker sandbox."""
    port = free_port()
    log = tmp_path_factory.mktemp("embedded") / "serve.log"
    proc = _start(["serve", "--port", str(port)], {}, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, proc, log, within_s=60)
        yield base_url
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def through_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`referee serve` and one `referee worker`, talking through a real Redis."""
    redis = RedisServer()
    redis.start()
    port = free_port()
    logs = tmp_path_factory.mktemp("redis-mode")
    env = {"REDIS_URL": redis.url}
    worker = _start(["worker"], env, logs / "worker.log")
    api = _start(["serve", "--port", str(port)], env, logs / "serve.log")
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, api, logs / "serve.log", within_s=60)
        yield base_url
    finally:
        _stop(api, worker)
        redis.stop()


def _score(base_url: str, items: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{base_url}/v1/score", json={"items": items, "options": options}, timeout=120
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


@pytest.fixture(params=["embedded", "through_redis"])
def base_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(request.param)
    return url


def test_the_readme_example_scores_one_for_each_item(base_url: str) -> None:
    results = _score(base_url, [MATH, STDIO, ASSERTS], timeout_s=60)
    assert [(r["id"], r["status"], r["reward"]) for r in results] == [
        ("m1", "correct", 1.0),
        ("c1", "correct", 1.0),
        ("c2", "correct", 1.0),
    ]


def test_wrong_answers_are_incorrect_with_per_test_outcomes(base_url: str) -> None:
    wrong_math = {**MATH, "completion": "\\boxed{2}"}
    wrong_code = {
        **STDIO,
        "completion": "a, b = map(int, input().split())\nprint(a + b if a > 1 else 0)",
    }
    math, code = _score(base_url, [wrong_math, wrong_code])
    assert (math["status"], math["reward"]) == ("incorrect", 0.0)
    assert (code["status"], code["reward"]) == ("incorrect", 0.5)
    assert [t["outcome"] for t in code["details"]["tests"]] == ["wrong_answer", "passed"]


def test_hostile_programs_get_statuses_and_the_batch_survives(base_url: str) -> None:
    spin = {
        **STDIO,
        "id": "spin",
        "completion": "while True:\n    pass",
        "tests": STDIO["tests"][:1],
    }
    early_exit = {**ASSERTS, "id": "exit", "completion": "import sys\nsys.exit(0)"}
    broken = {**STDIO, "id": "syntax", "completion": "def f(:\n", "tests": STDIO["tests"][:1]}
    results = _score(base_url, [spin, early_exit, broken, MATH], timeout_s=60)
    assert [(r["id"], r["status"]) for r in results] == [
        ("spin", "timeout"),
        ("exit", "runtime_error"),
        ("syntax", "compile_error"),
        ("m1", "correct"),
    ]


def test_verl_reward_functions_score_through_the_service(embedded: str) -> None:
    code_truth = json.dumps({"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]})
    batch = verl.compute_score_batch(
        data_sources=["math", "code", "code"],
        solution_strs=["\\boxed{0.5}", STDIO["completion"], "def f(x): return x"],
        ground_truths=["1/2", code_truth, {"fn_name": "f", "inputs": [[1]], "outputs": [1]}],
        base_url=embedded,
    )
    assert [(r["score"], r["status"]) for r in batch] == [
        (1.0, "correct"),
        (1.0, "correct"),
        (1.0, "correct"),
    ]
    single = verl.compute_score("math", "\\boxed{3}", "4", base_url=embedded)
    assert (single["score"], single["status"]) == (0.0, "incorrect")
    assert (
        asyncio.run(verl.compute_score_async("math", "\\boxed{4}", "4", base_url=embedded))["score"]
        == 1.0
    )
