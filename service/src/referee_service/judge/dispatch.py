"""The judge a worker runs jobs through: by kind, under the job's deadline, never raising.

A job's items are judged as separate tasks, one per set of identical items (twins are
graded once), so the deadline and any failure cost only the items they touch: an item
settled in microseconds keeps its verdict when a slow neighbour times out or blows up.
Judging stops a moment before the request deadline, so that what was settled still
reaches the request, which stops waiting at the deadline.

A composite item is judged by judging each component as a one-item job of its own kind,
so every kind composes with every other without special cases.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence

from referee_client.protocol import AnyItem, CompositeItem, Status
from referee_sandboxes import SandboxError

from referee_service.jobs import IndexedResult, Job, JobItem, JobResult
from referee_service.judge.code import CodeJudge
from referee_service.judge.math import MathJudge
from referee_service.judge.results import indexed
from referee_service.judge.simple import SimpleJudge, in_item_order, twins
from referee_service.queue.base import WorkerInfo

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error; see the logs"
# Judging stops this long before the request deadline (at most a tenth of the time there
# is), leaving the result time to be stored and read by the waiting request.
ANSWER_MARGIN_S = 0.2


def answer_all(job: Job, status: Status, why: str) -> JobResult:
    """The job answered without judging: every item ``status``, ``why`` as the error."""
    return JobResult(
        request_id=job.request_id, job_id=job.job_id, results=_every(job.items, status, why)
    )


def _every(entries: Sequence[JobItem], status: Status, why: str) -> list[IndexedResult]:
    return [indexed(e.index, e.item, status, details={"error": why}) for e in entries]


def _judging_budget_s(job: Job) -> float:
    remaining_s = job.remaining_s()
    return remaining_s - min(ANSWER_MARGIN_S, remaining_s / 10)


def weighted_mean(weights: Sequence[float], rewards: Sequence[float]) -> float | None:
    """Σ w·r / Σ w, within [0, 1]; None unless every weight is finite and positive.

    The weights are first scaled by the largest, so no sum or product can overflow (two
    weights near the float maximum would sum to inf, and inf/inf is NaN) and the result is
    a true mean of the rewards, whatever the weights' magnitudes.
    """
    if not weights or not all(math.isfinite(w) and w > 0 for w in weights):
        return None
    top = max(weights)
    scaled = [w / top for w in weights]  # in (0, 1], the largest exactly 1: the sum is >= 1
    mean = sum(s * r for s, r in zip(scaled, rewards, strict=True)) / sum(scaled)
    if not math.isfinite(mean):  # a reward that was not finite
        return None
    return min(1.0, max(0.0, mean))  # rounding can stray past the bounds by an ulp


class Judge:
    """Turns a job into its result. Every item gets a status, whatever goes wrong."""

    def __init__(self, math: MathJudge, code: CodeJudge, simple: SimpleJudge) -> None:
        self._math = math
        self._code = code
        self._simple = simple

    async def run(self, job: Job) -> JobResult:
        started = time.perf_counter()
        budget_s = _judging_budget_s(job)
        if budget_s <= 0:
            return answer_all(job, Status.timeout, "the request deadline passed before judging")
        results = await self._judge_parts(job, budget_s)
        return JobResult(
            request_id=job.request_id,
            job_id=job.job_id,
            results=results,
            elapsed_s=time.perf_counter() - started,
        )

    async def _judge_parts(self, job: Job, timeout_s: float) -> list[IndexedResult]:
        """Each set of twins as a task; what has not finished in ``timeout_s`` times out."""
        # A math job is one part: MathJudge grades each distinct answer once, batches the
        # cheap ones in one thread hop, and times out its own unfinished pool grades.
        all_items = [list(range(len(job.items)))]
        groups = all_items if job.kind == "math" else twins([e.item for e in job.items])
        parts = [job.model_copy(update={"items": [job.items[p] for p in g]}) for g in groups]
        tasks = [asyncio.create_task(self._dispatch(part, alike=True)) for part in parts]
        if not tasks:
            return []
        try:
            done, _ = await asyncio.wait(tasks, timeout=timeout_s)
        finally:
            # The overruns stop here; so does everything if the worker is cancelled.
            for task in tasks:
                task.cancel()
        answers = [
            self._settle(part, task if task in done else None)
            for part, task in zip(parts, tasks, strict=True)
        ]
        return in_item_order(groups, answers)

    @staticmethod
    def _settle(part: Job, task: asyncio.Task[list[IndexedResult]] | None) -> list[IndexedResult]:
        """The results of one part: its own, or a status for each of its items."""
        if task is None:
            return _every(part.items, Status.timeout, "the request deadline passed")
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or error is not None:
            log.error(
                "judging items %s of job %s/%s failed",
                [e.index for e in part.items],
                part.request_id,
                part.job_id,
                exc_info=error,
            )
            return _every(part.items, Status.internal_error, INTERNAL_ERROR)
        found = {r.index: r for r in task.result()}
        # A judge that skipped an item is a bug; the item still gets a status.
        return [
            found.get(e.index) or _every([e], Status.internal_error, INTERNAL_ERROR)[0]
            for e in part.items
        ]

    async def _dispatch(self, job: Job, *, alike: bool = False) -> list[IndexedResult]:
        """``job``'s items by its kind's judge; ``alike``: all the same item but for ids."""
        if job.kind == "math":
            # A little inside the job's budget, so its answer beats the job's own timeout.
            return await self._math.judge(job, within_s=0.9 * _judging_budget_s(job))
        if job.kind == "code":
            return await self._code.judge(job)
        if job.kind == "composite":
            return [await self._composite(e.index, e.item, job) for e in job.items]
        if alike:
            return await self._simple.judge_twins(job.items, job.options)
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
        components = [
            {"weight": c.weight, "kind": c.item.kind, **v.model_dump(mode="json", exclude={"id"})}
            for c, v in zip(item.components, verdicts, strict=True)
        ]
        weights = [c.weight for c in item.components]
        reward = weighted_mean(weights, [v.reward for v in verdicts])
        if reward is None:
            # The protocol allows only finite positive weights: this job did not come
            # through it, and a made-up reward would be worse than none.
            error = f"composite: weights {weights!r} do not give a finite mean reward"
            details = {"error": error, "components": components}
            return indexed(index, item, Status.internal_error, details=details)
        # Correct only when every part is; otherwise the weightiest part that is not says why.
        failing = [(c.weight, v.status) for c, v in zip(item.components, verdicts, strict=True)]
        failing = [f for f in failing if f[1] != Status.correct]
        status = max(failing, key=lambda f: f[0])[1] if failing else Status.correct
        return indexed(index, item, status, reward, {"components": components})

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
