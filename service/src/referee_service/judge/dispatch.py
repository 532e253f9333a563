"""The judge a worker runs jobs through: by kind, under the job's deadline, never raising.

A composite item is judged by judging each component as a one-item job of its own kind,
so every kind composes with every other without special cases.
"""

from __future__ import annotations

import asyncio
import logging
import time

from referee_client.protocol import AnyItem, CompositeItem, Status
from referee_sandboxes import SandboxError

from referee_service.jobs import IndexedResult, Job, JobItem, JobResult
from referee_service.judge.code import CodeJudge
from referee_service.judge.math import MathJudge
from referee_service.judge.results import indexed
from referee_service.judge.simple import SimpleJudge
from referee_service.queue.base import WorkerInfo

log = logging.getLogger(__name__)


class Judge:
    """Turns a job into its result. Every item gets a status, whatever goes wrong."""

    def __init__(self, math: MathJudge, code: CodeJudge, simple: SimpleJudge) -> None:
        self._math = math
        self._code = code
        self._simple = simple

    async def run(self, job: Job) -> JobResult:
        started = time.perf_counter()
        remaining_s = job.remaining_s()
        if remaining_s <= 0:
            results = self._all(job, Status.timeout, "the request deadline passed before judging")
        else:
            try:
                results = await asyncio.wait_for(self._dispatch(job), timeout=remaining_s)
            except TimeoutError:
                results = self._all(job, Status.timeout, "the request deadline passed")
            except Exception:
                log.exception("job %s/%s failed", job.request_id, job.job_id)
                results = self._all(job, Status.internal_error, "internal error; see the logs")
        return JobResult(
            request_id=job.request_id,
            job_id=job.job_id,
            results=results,
            elapsed_s=time.perf_counter() - started,
        )

    async def _dispatch(self, job: Job) -> list[IndexedResult]:
        if job.kind == "math":
            return await self._math.judge(job)
        if job.kind == "code":
            return await self._code.judge(job)
        if job.kind == "composite":
            return [await self._composite(e.index, e.item, job) for e in job.items]
        return await self._simple.judge(job)

    async def _composite(self, index: int, item: AnyItem, job: Job) -> IndexedResult:
        assert isinstance(item, CompositeItem)
        parts = await asyncio.gather(
            *(
                self._dispatch(
                    job.model_copy(
                        update={
                            "kind": c.item.kind,
                            "items": [JobItem(index=0, item=c.item)],
                        }
                    )
                )
                for c in item.components
            )
        )
        verdicts = [part[0].result for part in parts]
        total = sum(c.weight for c in item.components)
        reward = sum(c.weight * v.reward for c, v in zip(item.components, verdicts, strict=True))
        components = [
            {"weight": c.weight, "kind": c.item.kind, **v.model_dump(mode="json", exclude={"id"})}
            for c, v in zip(item.components, verdicts, strict=True)
        ]
        # Correct only when every part is; otherwise the weightiest part that is not says why.
        failing = [(c.weight, v.status) for c, v in zip(item.components, verdicts, strict=True)]
        failing = [f for f in failing if f[1] != Status.correct]
        status = max(failing, key=lambda f: f[0])[1] if failing else Status.correct
        return indexed(index, item, status, min(1.0, reward / total), {"components": components})

    @staticmethod
    def _all(job: Job, status: Status, why: str) -> list[IndexedResult]:
        return [indexed(e.index, e.item, status, details={"error": why}) for e in job.items]

    def close(self) -> None:
        """Stop the grading processes and release the sandbox."""
        self._math.close()
        self._code.close()

    async def describe(self, name: str) -> WorkerInfo:
        """This judge's capabilities for a heartbeat; checks the sandbox (off the event loop)."""
        try:
            await asyncio.to_thread(self._code.check)
        except SandboxError as exc:
            return WorkerInfo(name, self._code.backend_name, False, str(exc))
        return WorkerInfo(name, self._code.backend_name, True)
