"""Fixtures for service tests: a scripted sandbox backend (the seam's in-memory twin, for
judging logic without Docker), real grading processes, and a judge built from both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from referee_sandboxes import Execution, KeepGoing, Limits, RunSpec, TestRuns, run_each
from referee_service.judge import CodeJudge, Judge, MathJudge, SimpleJudge
from referee_verifiers import IsolatedPool


class ScriptedBackend:
    """Answers each run with ``script(spec)``; records the specs it was given."""

    name = "scripted"

    def __init__(self, script: Callable[[RunSpec], Execution]) -> None:
        self._script = script
        self.specs: list[RunSpec] = []

    def check(self) -> None:
        return None

    def run(self, spec: RunSpec) -> Execution:
        self.specs.append(spec)
        return self._script(spec)

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        return run_each(self, spec, stdins, keep_going)

    def close(self) -> None:
        return None


def exited(code: int = 0, stdout: str = "", stderr: str = "", **flags: object) -> Execution:
    return Execution(exit_code=code, stdout=stdout, stderr=stderr, duration_s=0.01, **flags)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedPool]:
    p = IsolatedPool(max_workers=1, memory_limit_mb=1024)
    yield p
    p.close()


def make_judge(pool: IsolatedPool, backend: ScriptedBackend | None) -> Judge:
    """A judge with real grading in ``pool`` and ``backend`` (None: no sandbox)."""
    return Judge(
        MathJudge(pool, timeout_s=5),
        CodeJudge(backend, limits=Limits(), concurrency=2),
        SimpleJudge(pool, timeout_s=5),
    )


async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` with its lifespan (workers, queue) running."""
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://referee") as c:
            yield c
