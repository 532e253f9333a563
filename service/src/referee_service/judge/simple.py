"""The cheap kinds (ifeval, format, match) and plugin kinds: one pure verifier call per item.

Each distinct (item, options) is graded once, in the isolated grading processes under the
per-item deadline: a user regex, a language detector or a plugin that hangs or blows up
costs that item a ``timeout`` or ``internal_error``, never the worker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from referee_client.protocol import (
    AnyItem,
    FormatItem,
    IfevalItem,
    LengthFormat,
    MatchItem,
    PluginItem,
    RegexFormat,
    RewardMode,
    ScoreOptions,
    Status,
)
from referee_verifiers import IsolatedPool, Verdict
from referee_verifiers.formatting import grade_length, grade_regex, grade_think_answer
from referee_verifiers.ifeval import grade_ifeval
from referee_verifiers.match import grade_match

from referee_service.jobs import IndexedResult, Job
from referee_service.judge.plugins import run_plugin
from referee_service.judge.results import indexed


def grade_item(item: AnyItem, options: ScoreOptions) -> Verdict:
    """Grade one cheap or plugin item. Pure; runs inside a grading child process."""
    if isinstance(item, IfevalItem):
        mode = item.reward or options.reward
        return grade_ifeval(
            item.completion,
            item.instruction_id_list,
            item.kwargs,
            prompt=item.prompt,
            all_or_nothing=mode == RewardMode.all_or_nothing,
        )
    if isinstance(item, FormatItem):
        rule = item.rule
        if isinstance(rule, RegexFormat):
            return grade_regex(item.completion, rule.pattern, full=rule.full)
        if isinstance(rule, LengthFormat):
            return grade_length(
                item.completion, unit=rule.unit, budget=rule.budget, hard_limit=rule.hard_limit
            )
        return grade_think_answer(
            item.completion,
            think_tag=rule.think_tag,
            answer_tag=rule.answer_tag,
            require_answer=rule.require_answer,
        )
    if isinstance(item, MatchItem):
        golds = [item.gold] if isinstance(item.gold, str) else item.gold
        return grade_match(item.completion, golds, item.mode)
    if isinstance(item, PluginItem):
        return run_plugin(item.kind, item.model_dump(mode="json"))
    return Verdict("invalid_input", 0.0, {"error": f"no simple verifier for kind {item.kind!r}"})


class SimpleJudge:
    """Grades cheap and plugin items through ``pool``, each under ``timeout_s``."""

    def __init__(self, pool: IsolatedPool, *, timeout_s: float) -> None:
        self._pool = pool
        self._timeout_s = timeout_s

    async def judge(self, job: Job) -> list[IndexedResult]:
        verdicts: dict[str, asyncio.Task[Verdict]] = {}
        keys = []
        for entry in job.items:
            key = entry.item.model_dump_json(exclude={"id"})
            keys.append(key)
            if key not in verdicts:  # GRPO groups repeat completions: grade each once
                verdicts[key] = asyncio.create_task(self._grade(entry.item, job.options))
        await asyncio.gather(*verdicts.values())
        return [
            indexed(e.index, e.item, Status(v.status), v.reward, v.details)
            for e, v in ((e, verdicts[k].result()) for e, k in zip(job.items, keys, strict=True))
        ]

    async def _grade(self, item: AnyItem, options: ScoreOptions) -> Verdict:
        future = self._pool.submit(grade_item, item, options, timeout_s=self._timeout_s)
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            return Verdict(
                "timeout", 0.0, {"error": f"grading exceeded {self._timeout_s:g} s; child killed"}
            )
        except Exception as exc:  # a verifier or plugin that raised or died: this item only
            return Verdict(
                "internal_error", 0.0, {"error": f"verifier failed: {type(exc).__name__}: {exc}"}
            )
