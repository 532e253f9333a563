"""How executions become test outcomes and item verdicts (scripted sandbox, no Docker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from referee_client.protocol import ScoreRequest, Status
from referee_sandboxes import Execution, Limits, RunSpec, SandboxError, SandboxUnavailable
from referee_service.jobs import now_epoch_ms, plan_jobs
from referee_service.judge import CodeJudge

from .conftest import ScriptedBackend, exited

IO_ITEM = {
    "kind": "code",
    "completion": "```python\nprint(int(input()) * 2)\n```",
    "tests": [{"stdin": "1\n", "stdout": "2\n"}, {"stdin": "2\n", "stdout": "4\n"}],
}
ASSERT_ITEM = {
    "kind": "code",
    "completion": "def f():\n    return 1",
    "test_code": "assert f() == 1",
    "entry_point": "f",
}


async def _judge(
    item: dict[str, object], script: Callable[[RunSpec], Execution], reward: str = "fraction"
) -> tuple[dict[str, object], ScriptedBackend]:
    backend = ScriptedBackend(script)
    judge = CodeJudge(backend, limits=Limits(), concurrency=2)
    request = ScoreRequest.model_validate({"items": [item], "options": {"reward": reward}})
    (job,) = plan_jobs(request, "r", now_epoch_ms() + 10_000, math_group_size=8)
    (result,) = await judge.judge(job)
    judge.close()
    return result.result.model_dump(), backend


def doubles(spec: RunSpec) -> Execution:
    return exited(stdout=f"{int(spec.stdin) * 2}\n")


async def test_all_tests_passing_is_correct_with_per_test_details() -> None:
    result, backend = await _judge(IO_ITEM, doubles)
    assert (result["status"], result["reward"]) == ("correct", 1.0)
    assert [t["outcome"] for t in result["details"]["tests"]] == ["passed", "passed"]
    assert backend.specs[0].source == "print(int(input()) * 2)"


async def test_one_wrong_output_gives_the_fraction_and_shows_the_output() -> None:
    result, _ = await _judge(IO_ITEM, lambda s: exited(stdout="2\n"))
    assert (result["status"], result["reward"]) == ("incorrect", 0.5)
    failing = result["details"]["tests"][1]
    assert failing["outcome"] == "wrong_answer" and failing["stdout"] == "2\n"


async def test_all_or_nothing_gives_zero_for_a_partial_pass() -> None:
    result, _ = await _judge(IO_ITEM, lambda s: exited(stdout="2\n"), reward="all_or_nothing")
    assert result["reward"] == 0.0


@pytest.mark.parametrize(
    "execution, status",
    [
        (exited(None, timed_out=True), Status.timeout),
        (exited(None, signal=9, memory_exceeded=True), Status.memory_limit),
        (exited(0, stdout="x" * 10, output_exceeded=True), Status.output_limit),
        (
            exited(1, stderr="Traceback...\nZeroDivisionError: division by zero"),
            Status.runtime_error,
        ),
        (exited(None, signal=11), Status.runtime_error),
    ],
)
async def test_limits_and_crashes_get_their_own_status(
    execution: Execution, status: Status
) -> None:
    result, _ = await _judge(IO_ITEM, lambda s: execution)
    assert (result["status"], result["reward"]) == (status, 0.0)


async def test_a_syntax_error_is_a_compile_error_and_runs_only_once() -> None:
    result, backend = await _judge(
        IO_ITEM, lambda s: exited(1, stderr='  File "x"\nSyntaxError: invalid syntax')
    )
    assert result["status"] == "compile_error"
    assert [t["outcome"] for t in result["details"]["tests"]] == ["compile_error"] * 2
    assert len(backend.specs) == 1


async def test_assert_tests_pass_only_when_the_nonce_line_is_printed() -> None:
    def honest(spec: RunSpec) -> Execution:
        nonce = spec.source.rsplit("referee-pass-", 1)[1].split("'")[0].split('"')[0]
        return exited(stdout=f"referee-pass-{nonce}\n")

    result, backend = await _judge(ASSERT_ITEM, honest)
    assert result["status"] == "correct"
    assert "assert f() == 1" in backend.specs[0].source


async def test_exiting_zero_before_the_asserts_is_not_a_pass() -> None:
    result, _ = await _judge(ASSERT_ITEM, lambda s: exited(0, stdout=""))
    assert (result["status"], result["reward"]) == ("incorrect", 0.0)


async def test_a_failed_assert_is_a_wrong_answer() -> None:
    result, _ = await _judge(ASSERT_ITEM, lambda s: exited(1, stderr="...\nAssertionError"))
    assert result["details"]["tests"][0]["outcome"] == "wrong_answer"


async def test_an_empty_completion_has_no_program() -> None:
    result, backend = await _judge({**IO_ITEM, "completion": "   "}, doubles)
    assert result["status"] == "no_answer" and backend.specs == []


async def test_an_invalid_entry_point_is_invalid_input() -> None:
    result, backend = await _judge({**ASSERT_ITEM, "entry_point": "f; import os"}, doubles)
    assert result["status"] == "invalid_input" and backend.specs == []


async def test_sandbox_failures_are_statuses_not_exceptions() -> None:
    def broken(spec: RunSpec) -> Execution:
        raise SandboxError("container vanished")

    def gone(spec: RunSpec) -> Execution:
        raise SandboxUnavailable("Docker engine unreachable")

    assert (await _judge(IO_ITEM, broken))[0]["status"] == "sandbox_error"
    assert (await _judge(IO_ITEM, gone))[0]["status"] == "sandbox_unavailable"


async def test_no_backend_never_runs_code() -> None:
    judge = CodeJudge(None, limits=Limits(), concurrency=1)
    request = ScoreRequest.model_validate({"items": [IO_ITEM]})
    (job,) = plan_jobs(request, "r", now_epoch_ms() + 10_000, math_group_size=8)
    (result,) = await judge.judge(job)
    assert result.result.status == "sandbox_unavailable"
