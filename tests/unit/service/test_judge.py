"""The judge a worker runs jobs through: each item's verdict stands on its own (deadline,
failures, an item that cannot even be serialized), and composite rewards stay finite
means in [0, 1] whatever the weights. Real grading processes throughout."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
from referee_client.protocol import (
    AnyItem,
    Component,
    CompositeItem,
    IfevalItem,
    MathItem,
    ScoreOptions,
    ScoreRequest,
)
from referee_sandboxes import Limits
from referee_service.jobs import Job, JobItem, now_epoch_ms
from referee_service.judge import CodeJudge, Judge, MathJudge, SimpleJudge
from referee_service.judge.dispatch import weighted_mean
from referee_verifiers import IsolatedPool


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedPool]:
    # Two children: a slow item must not queue the quick ones behind it.
    p = IsolatedPool(max_workers=2, memory_limit_mb=1024)
    yield p
    p.close()


def _judge(pool: Any, math_judge: MathJudge | None = None) -> Judge:
    return Judge(
        math_judge or MathJudge(pool, timeout_s=5),
        CodeJudge(None, limits=Limits(), concurrency=1),
        SimpleJudge(pool, timeout_s=5),
    )


def _items(*items: dict[str, Any]) -> list[AnyItem]:
    return list(ScoreRequest.model_validate({"items": list(items)}).items)


def _job(items: list[AnyItem], deadline_s: float = 30) -> Job:
    return Job(
        request_id="r",
        job_id="0",
        kind=items[0].kind,
        deadline_ms=now_epoch_ms() + int(deadline_s * 1000),
        options=ScoreOptions(),
        items=[JobItem(index=i, item=item) for i, item in enumerate(items)],
    )


async def _statuses(judge: Judge, job: Job) -> list[tuple[str, float]]:
    result = await judge.run(job)
    return [(r.result.status.value, r.result.reward) for r in result.results]


def _regex(completion: str, pattern: str) -> dict[str, Any]:
    return {
        "kind": "format",
        "completion": completion,
        "rule": {"type": "regex", "pattern": pattern},
    }


async def test_items_settled_before_the_deadline_keep_their_verdicts(pool: IsolatedPool) -> None:
    judge = _judge(pool)
    # Both children started (two items at once): not on the clock.
    await judge.run(_job(_items(_regex("warm", "w"), _regex("warmer", "w"))))
    # A pattern that backtracks for a second, in one job with two that take milliseconds.
    items = _items(
        _regex("ab", "b"),
        {"kind": "format", "completion": "two words", "rule": {"type": "length", "budget": 5}},
        _regex("a" * 40, r"((a+)+\2)+c"),
    )
    started = time.monotonic()
    # Under the regex's own 1 s limit, with room for a busy machine to start the others.
    result = await judge.run(_job(items, deadline_s=0.85))
    assert time.monotonic() - started < 1.3  # answered at the deadline, not after the slow one
    assert [(r.index, r.result.status.value) for r in result.results] == [
        (0, "correct"),
        (1, "correct"),
        (2, "timeout"),
    ]
    assert result.results[2].result.details["error"] == "the request deadline passed"


async def test_a_part_of_the_job_that_fails_costs_only_its_own_items(pool: IsolatedPool) -> None:
    class Buggy(SimpleJudge):
        async def judge_twins(self, entries: Any, options: ScoreOptions) -> Any:
            if entries[0].item.completion == "boom":
                raise RuntimeError("a bug in a judge")
            return await super().judge_twins(entries, options)

    judge = Judge(
        MathJudge(pool, timeout_s=5),
        CodeJudge(None, limits=Limits(), concurrency=1),
        Buggy(pool, timeout_s=5),
    )
    items = _items(*(_regex(c, "b") for c in ("ab", "boom", "a", "boom")))
    assert await _statuses(judge, _job(items)) == [
        ("correct", 1.0),
        ("internal_error", 0.0),
        ("incorrect", 0.0),
        ("internal_error", 0.0),
    ]


async def test_a_math_job_keeps_the_verdicts_reached_before_the_deadline(
    pool: IsolatedPool,
) -> None:
    # One math job (one gold): answers decided in milliseconds keep their verdicts while
    # one that sympy chews on for minutes (a fraction nested 40 deep) is still in the pool
    # at the deadline.
    judge = _judge(pool)
    nested = "\\frac{1}{1+" * 40 + "x" + "}" * 40
    items = _items(
        *(
            {"kind": "math", "completion": f"\\boxed{{{c}}}", "gold": "2"}
            for c in ("2", nested, "3")
        )
    )
    started = time.monotonic()
    result = await judge.run(_job(items, deadline_s=1.0))
    assert time.monotonic() - started < 2.0
    assert [r.result.status.value for r in result.results] == ["correct", "timeout", "incorrect"]
    assert result.results[1].result.details["error"] == "the request deadline passed"


async def test_an_item_that_cannot_be_serialized_costs_only_itself(pool: IsolatedPool) -> None:
    good = _items(
        {
            "kind": "ifeval",
            "completion": "no commas",
            "instruction_id_list": ["punctuation:no_comma"],
        },
        {"kind": "ifeval", "completion": "a, b", "instruction_id_list": ["punctuation:no_comma"]},
    )
    # Not valid Unicode: refused by the protocol, but a job must survive one anyway.
    bad = IfevalItem.model_construct(
        kind="ifeval",
        id=None,
        completion="bad \ud800, here",
        instruction_id_list=["punctuation:no_comma"],
        kwargs=None,
        prompt=None,
        reward=None,
    )
    job = _job([good[0], bad, good[1]])
    simple = SimpleJudge(pool, timeout_s=5)
    for results in (await simple.judge(job), (await _judge(pool).run(job)).results):
        assert [r.result.status.value for r in results] == ["correct", "incorrect", "incorrect"]


async def test_twins_in_a_job_are_graded_once_and_answered_under_their_own_ids(
    pool: IsolatedPool,
) -> None:
    class Counting:
        def __init__(self) -> None:
            self.submitted = 0

        def submit(self, *args: Any, **kwargs: Any) -> Any:
            self.submitted += 1
            return pool.submit(*args, **kwargs)

    counting = Counting()
    judge = _judge(counting)
    items = _items(
        {**_regex("ab", "b"), "id": "x"},
        {**_regex("ab", "b"), "id": "y"},
        {**_regex("ab", "c"), "id": "z"},
    )
    result = await judge.run(_job(items))
    assert [(r.result.id, r.result.status.value) for r in result.results] == [
        ("x", "correct"),
        ("y", "correct"),
        ("z", "incorrect"),
    ]
    assert counting.submitted == 2


def _composite(*parts: tuple[float, str]) -> CompositeItem:
    """A composite of math parts (weight, gold) for the completion \\boxed{2}, built without
    validation: the protocol refuses the weights the judge must still survive."""
    components = [
        Component.model_construct(
            weight=weight, item=MathItem(kind="math", completion="\\boxed{2}", gold=gold)
        )
        for weight, gold in parts
    ]
    return CompositeItem.model_construct(
        kind="composite", id=None, completion="\\boxed{2}", components=components
    )


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([(1.0, "3"), (3.0, "2")], ("incorrect", 0.75)),
        # Their sum overflows to inf: the naive mean was 0.0 (1e308 / inf).
        ([(1e308, "3"), (1e308, "2")], ("incorrect", 0.5)),
        # inf * 0.0 is NaN, and min(1.0, NaN) was a full reward for a wrong answer.
        ([(math.inf, "3")], ("internal_error", 0.0)),
        ([(math.nan, "2"), (1.0, "2")], ("internal_error", 0.0)),
        ([(0.0, "2")], ("internal_error", 0.0)),
    ],
)
async def test_a_composite_reward_is_a_finite_mean_or_internal_error(
    pool: IsolatedPool, parts: list[tuple[float, str]], expected: tuple[str, float]
) -> None:
    assert await _statuses(_judge(pool), _job([_composite(*parts)])) == [expected]


def test_weighted_means_stay_finite_and_within_bounds_at_any_magnitude() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 16)
        weights = [10 ** rng.uniform(-320, 308) for _ in range(n)]
        rewards = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
        mean = weighted_mean(weights, rewards)
        assert mean is not None and 0.0 <= mean <= 1.0
        assert min(rewards) - 1e-9 <= mean <= max(rewards) + 1e-9
    assert weighted_mean([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert weighted_mean([1.0, -1.0], [1.0, 0.0]) is None
