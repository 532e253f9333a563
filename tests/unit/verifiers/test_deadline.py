"""Hard deadlines: calls run in killable child processes, and failures become verdicts.

The functions sent to children are stdlib callables (``time.sleep``, ``pow``,
``bytearray``, ``os.abort``), so spawn/forkserver children need not import this module.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pebble import ProcessExpired
from referee_verifiers import (
    IsolatedPool,
    Verdict,
    grade,
    grade_with_deadline,
    submit_grade,
    verdict_for_error,
)


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedPool]:
    with IsolatedPool(max_workers=2, memory_limit_mb=1024) as p:
        yield p


@pytest.fixture
def single() -> Iterator[IsolatedPool]:
    """One child: a call after a kill proves the child was replaced."""
    with IsolatedPool(max_workers=1, memory_limit_mb=1024) as p:
        yield p


def _timed_result(future: concurrent.futures.Future[Any]) -> float:
    started = time.monotonic()
    with pytest.raises(concurrent.futures.TimeoutError):
        future.result()
    return time.monotonic() - started


def test_a_sleeping_call_is_killed_and_its_child_replaced(single: IsolatedPool) -> None:
    assert single.submit(sum, [1, 2], timeout_s=10).result() == 3  # child is up
    elapsed = _timed_result(single.submit(time.sleep, 30, timeout_s=0.5))
    assert elapsed < 0.5 + 1.5
    assert single.submit(sum, [3, 4], timeout_s=10).result() == 7


def test_a_c_level_busy_loop_is_killed_from_outside(single: IsolatedPool) -> None:
    """``pow`` on huge integers never returns to the interpreter: no signal could stop it."""
    single.submit(sum, [], timeout_s=10).result()
    elapsed = _timed_result(single.submit(pow, 7, 10**9, timeout_s=0.5))
    assert elapsed < 0.5 + 1.5
    assert single.submit(abs, -5, timeout_s=10).result() == 5


def test_a_memory_blow_up_stays_in_the_child(pool: IsolatedPool) -> None:
    with pytest.raises(MemoryError):
        pool.submit(bytearray, 4 * 1024**3, timeout_s=10).result()
    assert pool.submit(len, "still here", timeout_s=10).result() == 10


def test_a_child_that_dies_raises_instead_of_hanging(pool: IsolatedPool) -> None:
    with pytest.raises(ProcessExpired):
        pool.submit(os.abort, timeout_s=10).result(timeout=10)
    assert pool.submit(len, "ok", timeout_s=10).result() == 2


def test_grade_with_deadline_grades(pool: IsolatedPool) -> None:
    verdict = grade_with_deadline(pool, r"so \boxed{\frac{1}{2}}", "0.5", timeout_s=5)
    assert verdict.status == "correct"
    assert verdict.details["rule"] == "numeric"


def test_a_pathological_answer_returns_within_the_limit(pool: IsolatedPool) -> None:
    started = time.monotonic()
    verdict = grade_with_deadline(pool, r"\boxed{10^{10^{10^{10}}}}", "1", timeout_s=2)
    assert time.monotonic() - started < 2 + 1.5
    assert verdict.status != "correct"
    assert verdict.reward == 0.0


def test_calls_from_four_threads_at_once(pool: IsolatedPool) -> None:
    verdicts: dict[int, Verdict] = {}

    def work(n: int) -> None:
        verdicts[n] = grade_with_deadline(pool, rf"\boxed{{{n}x+{n}}}", f"{n}(x+1)", 10)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(verdicts) == [1, 2, 3, 4]
    assert all(v.status == "correct" for v in verdicts.values())


async def test_futures_can_be_awaited_from_asyncio(pool: IsolatedPool) -> None:
    futures = [pool.submit(grade, rf"\boxed{{{n}}}", str(n), timeout_s=10) for n in range(6)]
    verdicts = await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
    assert [v.status for v in verdicts] == ["correct"] * 6


class _FailingPool:
    """Stands in for ``IsolatedPool``: every call fails with ``error``."""

    def __init__(self, error: BaseException) -> None:
        self._error = error

    def submit(self, fn: object, *args: object, timeout_s: float) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_exception(self._error)
        return future


@pytest.mark.parametrize(
    ("error", "status", "says"),
    [
        (concurrent.futures.TimeoutError(), "timeout", "exceeded 3 s"),
        (MemoryError(), "internal_error", "MemoryError"),
        (
            ProcessExpired("Abnormal termination", code=-9),  # type: ignore[no-untyped-call]
            "internal_error",
            "exit code -9",
        ),
        (RuntimeError("boom"), "internal_error", "RuntimeError"),
    ],
)
def test_grade_with_deadline_turns_failures_into_verdicts(
    error: BaseException, status: str, says: str
) -> None:
    verdict = grade_with_deadline(_FailingPool(error), "x", "1", 3)  # type: ignore[arg-type]
    assert verdict.status == status
    assert verdict.reward == 0.0
    assert says in verdict.details["error"]


@pytest.mark.parametrize("kwargs", [{"max_workers": 0}, {"max_workers": 1, "memory_limit_mb": 1}])
def test_pool_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        IsolatedPool(**kwargs)


def test_submit_rejects_a_non_positive_timeout(pool: IsolatedPool) -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        pool.submit(len, "x", timeout_s=0)


# --- No hang: pathological math items in a batch, from threads and from asyncio -------

# Each must end within its limit (+0.5 s) and leave the rest of the batch its verdicts.
PATHOLOGICAL = [
    r"\boxed{10^{10^{10}}}",
    r"\boxed{(10^{10})!}",
    r"\boxed{99999!}",
    r"\boxed{" + r"\sqrt{" * 60 + "x" + "}" * 60 + "}",
    r"\boxed{" + "+".join(rf"\frac{{x^{{{n}}}+1}}{{x^{{{n}}}-{n}}}" for n in range(2, 40)) + "}",
]
LIMIT_S = 2.0
SLACK_S = 0.5


def _batch() -> list[tuple[str, str]]:
    good = [(rf"so \boxed{{{n}/2}}", f"{n / 2}") for n in range(1, 7)]
    return good[:3] + [(p, "1") for p in PATHOLOGICAL] + good[3:]


@pytest.fixture(scope="module")
def wide() -> Iterator[IsolatedPool]:
    """One child per item of the batch: the limit counts from when a child starts a call."""
    with IsolatedPool(max_workers=len(_batch()), memory_limit_mb=1024) as p:
        warm = [p.submit(time.sleep, 0.2, timeout_s=60) for _ in range(len(_batch()))]
        for future in warm:  # every child started (imports done) before the clock matters
            future.result()
        yield p


def test_a_pathological_batch_from_a_thread_pool_ends_in_time(wide: IsolatedPool) -> None:
    def one(pair: tuple[str, str]) -> tuple[Verdict, float]:
        started = time.monotonic()
        verdict = grade_with_deadline(wide, pair[0], pair[1], LIMIT_S)
        return verdict, time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(_batch())) as threads:
        results = list(threads.map(one, _batch()))
    assert max(elapsed for _, elapsed in results) < LIMIT_S + SLACK_S
    statuses = [verdict.status for verdict, _ in results]
    assert statuses[:3] + statuses[-3:] == ["correct"] * 6
    assert all(v.reward == 0.0 for v, _ in results[3:-3])


async def test_a_pathological_batch_from_asyncio_ends_in_time(wide: IsolatedPool) -> None:
    async def one(pair: tuple[str, str]) -> tuple[Verdict, float]:
        started = time.monotonic()
        future = submit_grade(wide, pair[0], pair[1], timeout_s=LIMIT_S)
        try:
            verdict = await asyncio.wrap_future(future)
        except Exception as exc:
            verdict = verdict_for_error(exc, LIMIT_S)
        return verdict, time.monotonic() - started

    results = await asyncio.gather(*(one(pair) for pair in _batch()))
    assert max(elapsed for _, elapsed in results) < LIMIT_S + SLACK_S
    assert [v.status for v, _ in results[:3] + results[-3:]] == ["correct"] * 6


async def test_a_runaway_call_is_killed_within_its_limit_under_asyncio(wide: IsolatedPool) -> None:
    """A call no guard catches (C-level ``pow``) next to real grading, awaited together."""
    started = time.monotonic()
    runaway = asyncio.wrap_future(wide.submit(pow, 7, 10**9, timeout_s=LIMIT_S))
    graded = asyncio.wrap_future(submit_grade(wide, r"\boxed{x+1}", "1+x", timeout_s=LIMIT_S))
    outcomes = await asyncio.gather(runaway, graded, return_exceptions=True)
    assert isinstance(outcomes[0], concurrent.futures.TimeoutError)
    assert isinstance(outcomes[1], Verdict) and outcomes[1].status == "correct"
    assert time.monotonic() - started < LIMIT_S + SLACK_S


def test_grade_with_deadline_passes_the_options(pool: IsolatedPool) -> None:
    assert grade_with_deadline(pool, "The answer is 7.", "7", 10, policy="strict").status == (
        "no_answer"
    )
    verdict = grade_with_deadline(pool, r"\boxed{3.1416}", r"\pi", 10, rel_tol=1e-4)
    assert verdict.status == "correct"


def test_submit_grade_rejects_bad_options(pool: IsolatedPool) -> None:
    with pytest.raises(ValueError, match="policy"):
        submit_grade(pool, "x", "1", timeout_s=1, policy="loose")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rel_tol"):
        submit_grade(pool, "x", "1", timeout_s=1, rel_tol=1.0)
