"""Wiring: build the queue, the judge and the embedded workers from settings.

The only place that turns settings into live objects; the CLI and the app's lifespan
call it, tests pass their own objects instead.
"""

from __future__ import annotations

from referee_sandboxes import BwrapBackend, DockerBackend, Limits, SandboxBackend
from referee_verifiers import IsolatedPool

from referee_service.judge import CodeJudge, Judge, MathJudge, SimpleJudge
from referee_service.ledger import Ledger, MemoryLedger
from referee_service.ledger.redis_ledger import RedisLedger
from referee_service.queue import JobQueue, MemoryQueue
from referee_service.queue.redis_streams import RedisQueue
from referee_service.settings import Settings
from referee_service.worker import WorkerTiming


def build_queue(settings: Settings) -> JobQueue:
    """Redis Streams when ``redis_url`` is set, else the embedded in-process queue."""
    if settings.redis_url is None:
        return MemoryQueue()
    return RedisQueue(str(settings.redis_url))


def worker_timing(settings: Settings) -> WorkerTiming:
    w = settings.worker
    return WorkerTiming(
        heartbeat_s=w.heartbeat_s,
        reclaim_idle_s=w.reclaim_idle_s,
        shutdown_grace_s=w.shutdown_grace_s,
    )


def build_ledger(settings: Settings) -> Ledger:
    """Beside the queue: in Redis when there is one, else in this process."""
    if settings.redis_url is None:
        return MemoryLedger()
    return RedisLedger(str(settings.redis_url))


def build_sandbox(settings: Settings) -> SandboxBackend | None:
    """The warm sandbox pool the settings name (None for ``none``); it starts lazily."""
    sandbox = settings.sandbox
    if sandbox.backend == "none":
        return None
    compile_limits = Limits(
        wall_time_s=sandbox.compile_time_limit_s,
        cpu_time_s=sandbox.compile_time_limit_s,
        memory_mb=sandbox.compile_memory_limit_mb,
        pids=max(128, sandbox.pids_limit),
        output_bytes=sandbox.output_limit_bytes,
        cpus=sandbox.cpus,
    )
    backend = BwrapBackend if sandbox.backend == "bwrap" else DockerBackend
    where = sandbox.bwrap_rootfs if sandbox.backend == "bwrap" else sandbox.image
    return backend(
        where,
        size=sandbox.pool_size,
        recycle_after=sandbox.recycle_after,
        limits=sandbox_limits(settings),
        compile_limits=compile_limits,
    )


def sandbox_limits(settings: Settings) -> Limits:
    """Each test's limits, from the sandbox settings."""
    sandbox = settings.sandbox
    return Limits(
        wall_time_s=sandbox.time_limit_s,
        cpu_time_s=sandbox.cpu_time_limit_s,
        memory_mb=sandbox.memory_limit_mb,
        pids=sandbox.pids_limit,
        output_bytes=sandbox.output_limit_bytes,
        file_size_bytes=sandbox.file_size_limit_bytes,
        cpus=sandbox.cpus,
    )


def build_judge(settings: Settings) -> Judge:
    """A judge with its own grading processes and sandbox; ``Judge.close`` releases them."""
    sandbox = settings.sandbox
    limits = sandbox_limits(settings)
    pool = IsolatedPool(
        max_workers=settings.math.processes, memory_limit_mb=settings.math.memory_limit_mb
    )
    return Judge(
        MathJudge(pool, timeout_s=settings.math.timeout_s),
        CodeJudge(build_sandbox(settings), limits=limits, concurrency=sandbox.concurrency),
        # The cheap kinds share the math grading processes and its per-item limit.
        SimpleJudge(pool, timeout_s=settings.math.timeout_s),
    )
