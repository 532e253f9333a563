"""Wiring: build the queue, the judge and the embedded workers from settings.

The only place that turns settings into live objects; the CLI and the app's lifespan
call it, tests pass their own objects instead.
"""

from __future__ import annotations

from referee_sandboxes import DockerBackend, Limits, SandboxBackend
from referee_verifiers import IsolatedPool

from referee_service.judge import CodeJudge, Judge, MathJudge
from referee_service.queue import JobQueue, MemoryQueue
from referee_service.queue.redis_streams import RedisQueue
from referee_service.settings import Settings


def build_queue(settings: Settings) -> JobQueue:
    """Redis Streams when ``redis_url`` is set, else the embedded in-process queue."""
    if settings.redis_url is None:
        return MemoryQueue()
    return RedisQueue(str(settings.redis_url))


def build_sandbox(settings: Settings) -> SandboxBackend | None:
    if settings.sandbox.backend == "none":
        return None
    return DockerBackend(image=settings.sandbox.image)


def build_judge(settings: Settings) -> Judge:
    """A judge with its own grading processes and sandbox; ``Judge.close`` releases them."""
    sandbox = settings.sandbox
    limits = Limits(
        wall_time_s=sandbox.time_limit_s,
        memory_mb=sandbox.memory_limit_mb,
        pids=sandbox.pids_limit,
        output_bytes=sandbox.output_limit_bytes,
    )
    pool = IsolatedPool(
        max_workers=settings.math.processes, memory_limit_mb=settings.math.memory_limit_mb
    )
    return Judge(
        MathJudge(pool, timeout_s=settings.math.timeout_s),
        CodeJudge(build_sandbox(settings), limits=limits, concurrency=sandbox.concurrency),
    )
