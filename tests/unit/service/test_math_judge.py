"""MathJudge on a real grading pool.

Options pass through, repeats are graded once, failures stay with their item.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from referee_client.protocol import MathItem, ScoreOptions
from referee_service.jobs import Job, JobItem, now_epoch_ms
from referee_service.judge import MathJudge
from referee_verifiers import IsolatedPool


@pytest.fixture(scope="module")
def math_pool() -> Iterator[IsolatedPool]:
    p = IsolatedPool(max_workers=2, memory_limit_mb=1024)
    yield p
    p.close()


def _job(pairs: list[tuple[str, str]], **options: Any) -> Job:
    return Job(
        request_id="r",
        job_id="0",
        kind="math",
        deadline_ms=now_epoch_ms() + 60_000,
        options=ScoreOptions(**options),
        items=[
            JobItem(index=i, item=MathItem(kind="math", completion=c, gold=g))
            for i, (c, g) in enumerate(pairs)
        ],
    )


async def test_a_grpo_group_gets_one_result_per_item_in_order(math_pool: IsolatedPool) -> None:
    judge = MathJudge(math_pool, timeout_s=5)
    completions = [r"\boxed{\{3, 2\}}", r"\boxed{2, 3}", r"\boxed{2}", "no answer", r"\boxed{2, 3}"]
    results = await judge.judge(_job([(c, "2, 3") for c in completions]))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    statuses = [r.result.status.value for r in results]
    assert statuses == ["correct", "correct", "incorrect", "no_answer", "correct"]
    assert results[1].result.details == results[4].result.details  # graded once


async def test_plain_numbers_are_judged_without_the_pool() -> None:
    class NoPool:
        def submit(self, *args: object, **kwargs: object) -> object:
            raise AssertionError("plain numbers must not need a child process")

    judge = MathJudge(NoPool(), timeout_s=5)  # type: ignore[arg-type]
    results = await judge.judge(_job([(r"\boxed{0.5}", r"\frac{1}{2}"), (r"\boxed{3}", "4")]))
    assert [r.result.status.value for r in results] == ["correct", "incorrect"]


async def test_request_options_reach_the_grader(math_pool: IsolatedPool) -> None:
    judge = MathJudge(math_pool, timeout_s=5)
    strict = await judge.judge(_job([("The answer is 7.", "7")], extraction="strict"))
    assert strict[0].result.status.value == "no_answer"
    loose = await judge.judge(_job([(r"\boxed{3.1416}", r"\pi")], math_rel_tol=1e-4))
    assert loose[0].result.status.value == "correct"
    default = await judge.judge(_job([(r"\boxed{3.1416}", r"\pi")]))
    assert default[0].result.status.value == "incorrect"


async def test_a_runaway_item_times_out_alone(math_pool: IsolatedPool) -> None:
    judge = MathJudge(math_pool, timeout_s=0.02)
    # Parsing these two 27-term sums takes sympy about 0.3 s: far past the limit.
    long_sum = "+".join(rf"\frac{{x^{{{n}}}}}{{{n}}}" for n in range(1, 28))
    pairs = [(rf"\boxed{{{long_sum}}}", long_sum.replace("+", "-", 1)), (r"\boxed{4}", "4")]
    started = time.monotonic()
    results = await judge.judge(_job(pairs))
    assert time.monotonic() - started < 3
    assert results[0].result.status.value == "timeout"
    assert "exceeded" in results[0].result.details["error"]
    assert results[1].result.status.value == "correct"  # decided in-process, unaffected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("gold", ["9!!!!", "(10!)!", "2^{9!!}", "10^{10^{10^{10}}}"])
async def test_a_pathological_gold_is_parsed_under_the_deadline_not_in_process(
    math_pool: IsolatedPool, gold: str
) -> None:
    # The cheap path runs in the worker's own process: a gold whose parse can run away
    # (sympy sizing a nested factorial) must go to the killable pool instead.
    judge = MathJudge(math_pool, timeout_s=2)
    started = time.monotonic()
    results = await judge.judge(_job([(r"\boxed{3}", gold), (r"\boxed{3}", gold)]))
    assert time.monotonic() - started < 20
    assert {r.result.status.value for r in results} <= {"incorrect", "timeout"}
    after = await judge.judge(_job([(r"\boxed{4}", "4")]))
    assert after[0].result.status.value == "correct"
