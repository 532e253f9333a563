"""The judge a worker runs jobs through: by kind, under the job's deadline, never raising."""

from __future__ import annotations

import asyncio
import logging

from referee_client.protocol import Status
from referee_sandboxes import SandboxError

from referee_service.jobs import IndexedResult, Job, JobResult
from referee_service.judge.code import CodeJudge
from referee_service.judge.math import MathJudge
from referee_service.judge.results import indexed
from referee_service.queue.base import WorkerInfo

log = logging.getLogger(__name__)


class Judge:
    """Turns a job into its result. Every item gets a status, whatever goes wrong."""

    def __init__(self, math: MathJudge, code: CodeJudge) -> None:
        self._math = math
        self._code = code

    async def run(self, job: Job) -> JobResult:
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
        return JobResult(request_id=job.request_id, job_id=job.job_id, results=results)

    async def _dispatch(self, job: Job) -> list[IndexedResult]:
        if job.kind == "math":
            return await self._math.judge(job)
        if job.kind == "code":
            return await self._code.judge(job)
        return self._all(job, Status.invalid_input, f"no judge for kind {job.kind!r}")

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
