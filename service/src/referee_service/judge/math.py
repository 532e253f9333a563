"""Math jobs: one gold, many completions. Cheap verdicts in-process, the rest in a pool.

A math job holds items that share a gold (a GRPO group). Each distinct (completion, gold)
pair is graded once. ``grade_cheap`` decides what strings and plain numbers can (most of
an RL batch: microseconds, no sympy, nothing that can hang) in one thread off the event
loop; only the rest goes to the killable child processes of ``IsolatedPool``, each under
the hard per-answer deadline ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import time

from referee_client.protocol import MathItem, ScoreOptions, Status
from referee_verifiers import (
    IsolatedPool,
    Verdict,
    grade_cheap,
    prepare_gold_cheap,
    submit_grade,
    verdict_for_error,
)
from referee_verifiers.math.extract import Policy

from referee_service.jobs import IndexedResult, Job
from referee_service.judge.results import indexed

Pair = tuple[str, str]  # (completion, gold)


def _policy(options: ScoreOptions) -> Policy:
    return "strict" if options.extraction.value == "strict" else "lenient"


def _cheap_verdicts(pairs: list[Pair], policy: Policy, rel_tol: float) -> dict[Pair, Verdict]:
    """The verdicts ``grade_cheap`` can give; runs in a worker thread, so nothing here may
    hang: a gold that needs sympy (``9!!!!``) is parsed in the pool, under its deadline."""
    found: dict[Pair, Verdict] = {}
    for completion, gold in pairs:
        try:
            prepared = prepare_gold_cheap(gold)
            if prepared is None:
                continue
            verdict = grade_cheap(prepared, completion, policy=policy, rel_tol=rel_tol)
        except Exception:  # leave it to the pool, where a failure becomes the item's verdict
            continue
        if verdict is not None:
            found[(completion, gold)] = verdict
    return found


def _late() -> Verdict:
    return Verdict(Status.timeout.value, 0.0, {"error": "the request deadline passed"})


class MathJudge:
    """Grades math items; sympy work runs through ``pool`` with a deadline of ``timeout_s``."""

    def __init__(self, pool: IsolatedPool, *, timeout_s: float) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._pool.close()

    async def judge(self, job: Job, within_s: float | None = None) -> list[IndexedResult]:
        """The job's results; a pool grade unfinished after ``within_s`` is a ``timeout``
        for its items alone, the verdicts already reached are kept."""
        policy, rel_tol = _policy(job.options), job.options.math_rel_tol
        pairs: dict[Pair, None] = {}
        for entry in job.items:
            item = entry.item
            assert isinstance(item, MathItem)
            pairs[(item.completion, item.gold)] = None  # GRPO groups repeat: grade each once
        verdicts = await asyncio.to_thread(_cheap_verdicts, list(pairs), policy, rel_tol)
        rest = [pair for pair in pairs if pair not in verdicts]
        verdicts.update(await self._grade_all(rest, policy, rel_tol, within_s))
        results = []
        for entry in job.items:
            item = entry.item
            assert isinstance(item, MathItem)
            verdict = verdicts[(item.completion, item.gold)]
            results.append(
                indexed(entry.index, item, Status(verdict.status), verdict.reward, verdict.details)
            )
        return results

    async def _grade_all(
        self, pairs: list[Pair], policy: Policy, rel_tol: float, within_s: float | None
    ) -> dict[Pair, Verdict]:
        tasks = {
            asyncio.ensure_future(self._grade(c, g, policy, rel_tol)): (c, g) for c, g in pairs
        }
        if not tasks:
            return {}
        timeout = None if within_s is None else max(within_s, 0.0)
        done, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        return {pair: task.result() if task in done else _late() for task, pair in tasks.items()}

    async def _grade(self, completion: str, gold: str, policy: Policy, rel_tol: float) -> Verdict:
        started = time.perf_counter()
        future = submit_grade(
            self._pool, completion, gold, timeout_s=self._timeout_s, policy=policy, rel_tol=rel_tol
        )
        try:
            verdict = await asyncio.wrap_future(future)
        except Exception as exc:  # timeout, memory, a dead child: this item's verdict
            return verdict_for_error(exc, self._timeout_s)
        details = dict(verdict.details)
        details["time_s"] = round(time.perf_counter() - started, 4)  # queueing included
        return Verdict(verdict.status, verdict.reward, details)
