"""docker-compose.yml end to end: real images on the local base, Redis, an API, 3 workers.

Builds the stack's images with scripts/compose-images (skipped when up to date), starts a
uniquely named project with `--scale worker=3`, scores a mixed batch through the API and
checks every verdict; the project is torn down (`down -v`) whatever happens. Skipped only
when there is no Docker engine; anything else missing (compose plugin, base image) fails.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.compose_stack import ComposeStack, build_images, docker_unavailable, mixed_batch

_why_not = docker_unavailable()
pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(_why_not is not None, reason=f"Docker unavailable: {_why_not}"),
]

WORKERS = 3


@pytest.fixture(scope="module")
def stack() -> Iterator[ComposeStack]:
    build_images()
    the_stack = ComposeStack()
    try:
        the_stack.up(workers=WORKERS)
        yield the_stack
    finally:
        the_stack.down()


@pytest.mark.timeout(900)  # a cold build of the images takes a few minutes on 2 cores
def test_three_workers_score_a_mixed_batch(stack: ComposeStack) -> None:
    ready = httpx.get(f"{stack.base_url}/readyz", timeout=5).json()
    assert ready["workers"] == WORKERS, ready  # each replica heartbeats on its own
    assert ready["sandbox"].startswith("ok"), ready

    items, expected = mixed_batch(60, seed=5, code_share=0.4)
    # Both code shapes and every planned verdict are present, so the batch proves each path.
    assert {"correct", "incorrect", "runtime_error"} <= set(expected)
    assert {"tests" in i for i in items if i["kind"] == "code"} == {True, False}
    resp = httpx.post(
        f"{stack.base_url}/v1/score",
        json={"items": items, "options": {"timeout_s": 120}},
        timeout=150,
    )
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["id"] for r in results] == [i["id"] for i in items]
    got = [r["status"] for r in results]
    wrong = [
        (i["id"], i["kind"], want, r["status"], r.get("details"))
        for i, r, want in zip(items, results, expected, strict=True)
        if r["status"] != want
    ]
    assert not wrong, f"{len(wrong)} wrong verdicts, e.g. {wrong[:3]}\n{stack.logs()}"
    for r in results:
        assert r["reward"] == (1.0 if r["status"] == "correct" else 0.0), r
    assert Counter(got) == Counter(expected)


def test_worker_health_checks_pass(stack: ComposeStack) -> None:
    """Every worker's compose health check (its heartbeat in Redis) reports healthy."""
    ps = stack.compose("ps", "worker", "--format", "{{.Name}} {{.Health}}")
    states = dict(line.split() for line in ps.splitlines() if line.strip())
    assert len(states) == WORKERS, ps
    # Health checks run every 10 s after a 60 s grace period; poll until they have run.
    deadline_s = 90.0
    start = time.monotonic()
    while set(states.values()) != {"healthy"} and time.monotonic() - start < deadline_s:
        time.sleep(2)
        ps = stack.compose("ps", "worker", "--format", "{{.Name}} {{.Health}}")
        states = dict(line.split() for line in ps.splitlines() if line.strip())
    assert set(states.values()) == {"healthy"}, f"{states}\n{stack.logs()}"


def test_worker_health_check_fails_without_a_heartbeat(stack: ComposeStack) -> None:
    """The check is not a constant: a container with no worker in it is reported unhealthy.

    A one-off container of the worker service has its own host name and runs only the
    check, so Redis answers but holds no heartbeat of that host.
    """
    with pytest.raises(RuntimeError, match="no live heartbeat"):
        stack.compose("run", "--rm", "--no-deps", "worker", "referee-healthcheck", "worker")
    # ... while the same check inside a running worker passes.
    stack.compose("exec", "-T", "--index", "1", "worker", "referee-healthcheck", "worker")
    stack.compose("exec", "-T", "api", "referee-healthcheck", "api")
