"""Math jobs: grade each distinct completion once, in a killable child process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

from referee_client.protocol import MathItem, Status
from referee_verifiers import IsolatedPool, Verdict
from referee_verifiers.math import grade

from referee_service.jobs import IndexedResult, Job
from referee_service.judge.results import indexed


class MathJudge:
    """Grades math items through ``pool`` with a hard per-answer deadline of ``timeout_s``."""

    def __init__(self, pool: IsolatedPool, *, timeout_s: float) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._pool.close()

    async def judge(self, job: Job) -> list[IndexedResult]:
        verdicts: dict[tuple[str, str], asyncio.Task[Verdict]] = {}
        for entry in job.items:
            item = entry.item
            assert isinstance(item, MathItem)
            key = (item.completion, item.gold)
            if key not in verdicts:  # GRPO groups repeat completions: grade each once
                verdicts[key] = asyncio.create_task(self._grade(item.completion, item.gold))
        await asyncio.gather(*verdicts.values())
        results = []
        for entry in job.items:
            item = entry.item
            assert isinstance(item, MathItem)
            verdict = verdicts[(item.completion, item.gold)].result()
            results.append(
                indexed(entry.index, item, Status(verdict.status), verdict.reward, verdict.details)
            )
        return results

    async def _grade(self, completion: str, gold: str) -> Verdict:
        started = time.perf_counter()
        future = self._pool.submit(grade, completion, gold, timeout_s=self._timeout_s)
        try:
            verdict = await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            return Verdict(
                "timeout", 0.0, {"error": f"grading exceeded {self._timeout_s:g} s; child killed"}
            )
        except Exception as exc:  # a child that died (memory, crash) is this item's verdict
            return Verdict("internal_error", 0.0, {"error": f"grader failed: {type(exc).__name__}"})
        details = dict(verdict.details)
        details.setdefault("time_s", round(time.perf_counter() - started, 4))
        return Verdict(verdict.status, verdict.reward, details)
