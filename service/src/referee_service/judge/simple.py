"""The cheap kinds (ifeval, format, match) and plugin kinds: one pure verifier call per item.

Each distinct (item, options) is graded once, in the isolated grading processes under the
per-item deadline: a user regex, a language detector or a plugin that hangs or blows up
costs that item a ``timeout`` or ``internal_error``, never the worker nor the other items
of its job (an item that cannot even be serialized or pickled included).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Sequence

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

from referee_service.jobs import IndexedResult, Job, JobItem
from referee_service.judge.plugins import run_plugin
from referee_service.judge.results import excerpt, indexed


def twins(items: Sequence[AnyItem]) -> list[list[int]]:
    """Positions of ``items`` grouped by identity, ids aside (GRPO groups repeat
    completions, and each is graded once), groups in order of first appearance."""
    groups: dict[object, list[int]] = {}
    for position, item in enumerate(items):
        groups.setdefault(_twin_key(item, position), []).append(position)
    return list(groups.values())


def in_item_order(
    groups: Sequence[Sequence[int]], answers: Sequence[Sequence[IndexedResult]]
) -> list[IndexedResult]:
    """The answers of ``groups`` (as ``twins`` returns them) back in item order."""
    by_position = {
        position: result
        for group, answer in zip(groups, answers, strict=True)
        for position, result in zip(group, answer, strict=True)
    }
    return [by_position[position] for position in range(len(by_position))]


def _twin_key(item: AnyItem, position: int) -> object:
    # An item that cannot be serialized (a string that is not valid Unicode, nesting past
    # the serializer's limit) is its own twin, keyed by its position: it is graded on its
    # own, and whatever that gives, no other item of its job pays for it.
    try:
        return item.model_dump_json(exclude={"id"})
    except (ValueError, RecursionError):
        return ("unserializable", position)


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
        """Every item of ``job``, each set of twins graded once."""
        groups = twins([e.item for e in job.items])
        answers = await asyncio.gather(
            *(self.judge_twins([job.items[p] for p in group], job.options) for group in groups)
        )
        return in_item_order(groups, answers)

    async def judge_twins(
        self, entries: Sequence[JobItem], options: ScoreOptions
    ) -> list[IndexedResult]:
        """Items identical but for their ids: graded once, answered each under its own id."""
        verdict = await self._grade(entries[0].item, options)
        return [_result(entry, verdict) for entry in entries]

    async def _grade(self, item: AnyItem, options: ScoreOptions) -> Verdict:
        try:
            # Inside the try: submitting pickles the item, which can fail (nested too deep).
            future = self._pool.submit(grade_item, item, options, timeout_s=self._timeout_s)
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            return Verdict(
                "timeout", 0.0, {"error": f"grading exceeded {self._timeout_s:g} s; child killed"}
            )
        except Exception as exc:  # a verifier or plugin that raised or died: this item only
            return Verdict(
                "internal_error", 0.0, {"error": f"verifier failed: {type(exc).__name__}: {exc}"}
            )


def _result(entry: JobItem, verdict: Verdict) -> IndexedResult:
    """The item's result; a verdict the protocol refuses (a plugin's unknown status, a
    reward outside [0, 1] or not finite) is this item's internal_error."""
    try:
        return indexed(
            entry.index, entry.item, Status(verdict.status), verdict.reward, verdict.details
        )
    except ValueError as exc:
        error = f"verifier returned an invalid verdict: {excerpt(str(exc), 500)}"
        return indexed(entry.index, entry.item, Status.internal_error, details={"error": error})
