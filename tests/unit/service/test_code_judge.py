"""How executions become test outcomes and item verdicts (scripted sandbox, no Docker).

The scripted backend stands in for the sandbox; what the harness does inside it is proven
through real Docker in tests/integration/test_code_formats.py and test_code_hostile_verdicts.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from referee_client.protocol import ScoreRequest, Status
from referee_sandboxes import (
    Execution,
    KeepGoing,
    Limits,
    RecompileFailed,
    RunSpec,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
)
from referee_service.jobs import now_epoch_ms, plan_jobs
from referee_service.judge import CodeJudge
from referee_verifiers.code import harness_source

from .conftest import ScriptedBackend, exited

Script = Callable[[RunSpec], Execution]

IO_ITEM: dict[str, Any] = {
    "kind": "code",
    "completion": "```python\nprint(int(input()) * 2)\n```",
    "tests": [{"stdin": "1\n", "stdout": "2\n"}, {"stdin": "2\n", "stdout": "4\n"}],
}
ASSERT_ITEM: dict[str, Any] = {
    "kind": "code",
    "completion": "def f():\n    return 1",
    "test_code": "assert f() == 1",
    "entry_point": "f",
}
CALL_ITEM: dict[str, Any] = {
    "kind": "code",
    "completion": "def f(x):\n    return x",
    "fn_name": "f",
    "tests": [{"args": [1], "expected": "SECRET-EXPECTED-1"}, {"args": [2], "expected": [1, 2]}],
}
CHECKER_ITEM: dict[str, Any] = {
    **IO_ITEM,
    "checker": {"language": "python", "code": "import sys\nsys.exit(0)"},
}
CHECKER_SOURCE = CHECKER_ITEM["checker"]["code"]


class RunTestsBackend(ScriptedBackend):
    """The scripted backend with ``run_tests``: an optional compile step, then one run each."""

    def __init__(self, script: Script, compiled: Execution | None = None) -> None:
        super().__init__(script)
        self.compiled = compiled

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        if self.compiled is not None and self.compiled.exit_code != 0:
            return TestRuns(compiled=self.compiled, runs=[])
        runs: list[Execution] = []
        for i, stdin in enumerate(stdins):
            runs.append(self.run(replace(spec, stdin=stdin)))
            if keep_going is not None and not keep_going(i, runs[-1]):
                break
        return TestRuns(compiled=self.compiled, runs=runs)


async def _judge(
    item: dict[str, Any],
    script: Script,
    compiled: Execution | None = None,
    deadline_s: float = 10.0,
    **options: Any,
) -> tuple[dict[str, Any], RunTestsBackend]:
    backend = RunTestsBackend(script, compiled)
    judge = CodeJudge(backend, limits=Limits(), concurrency=2)
    request = ScoreRequest.model_validate({"items": [item], "options": options})
    deadline_ms = now_epoch_ms() + int(deadline_s * 1000)
    (job,) = plan_jobs(request, "r", deadline_ms, math_group_size=8)
    (result,) = await judge.judge(job)
    judge.close()
    return result.result.model_dump(), backend


def outcomes(result: dict[str, Any]) -> list[str]:
    return [t["outcome"] for t in result["details"]["tests"]]


def ended(code: int | None, stdout: str = "", stderr: str = "", **flags: Any) -> Execution:
    """An execution that may have been killed (no exit code)."""
    return Execution(exit_code=code, stdout=stdout, stderr=stderr, duration_s=0.01, **flags)


def doubles(spec: RunSpec) -> Execution:
    return exited(stdout=f"{int(spec.stdin) * 2}\n")


def harness_says(verdict: str, code: int = 0, nonce: str | None = None, **extra: Any) -> Script:
    """A sandbox where the harness reports ``verdict`` under the run's nonce (or ``nonce``)."""

    def run(spec: RunSpec) -> Execution:
        secret = nonce if nonce is not None else json.loads(spec.stdin)["nonce"]
        report = json.dumps({"verdict": verdict, "message": "", **extra})
        return exited(code, stdout=f"{secret} {report}\n")

    return run


# --- stdin/stdout tests --------------------------------------------------------------------


async def test_all_tests_passing_is_correct_with_per_test_details() -> None:
    result, backend = await _judge(IO_ITEM, doubles)
    assert (result["status"], result["reward"]) == ("correct", 1.0)
    assert outcomes(result) == ["passed", "passed"]
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
    ("compare", "printed", "status"),
    [
        ({"mode": "float", "abs_tol": 1e-3}, "2.0004\n", "correct"),
        ({"mode": "float", "abs_tol": 1e-6, "rel_tol": 0}, "2.0004\n", "incorrect"),
        ({"mode": "exact"}, "2 \n", "incorrect"),
        ({"mode": "whitespace"}, "2 \n", "correct"),
    ],
)
async def test_the_items_compare_mode_judges_the_output(
    compare: dict[str, Any], printed: str, status: str
) -> None:
    item = {**IO_ITEM, "tests": [{"stdin": "1\n", "stdout": "2\n"}], "compare": compare}
    result, _ = await _judge(item, lambda s: exited(stdout=printed))
    assert result["status"] == status


@pytest.mark.parametrize(
    ("execution", "status", "outcome"),
    [
        (ended(None, timed_out=True), Status.timeout, "time_limit"),
        (ended(None, signal=9, memory_exceeded=True), Status.memory_limit, "memory_limit"),
        (exited(0, stdout="x" * 10, output_exceeded=True), Status.output_limit, "output_limit"),
        (
            exited(1, stderr="Traceback...\nZeroDivisionError: x"),
            Status.runtime_error,
            "runtime_error",
        ),
        (ended(None, signal=11), Status.runtime_error, "runtime_error"),
    ],
)
async def test_limits_and_crashes_get_their_own_status(
    execution: Execution, status: Status, outcome: str
) -> None:
    result, _ = await _judge(IO_ITEM, lambda s: execution)
    assert (result["status"], result["reward"]) == (status, 0.0)
    assert outcomes(result) == [outcome, outcome]


async def test_a_signal_is_reported_with_the_test() -> None:
    result, _ = await _judge(IO_ITEM, lambda s: ended(None, signal=11))
    assert result["details"]["tests"][0]["signal"] == 11


async def test_a_python_syntax_error_is_a_compile_error_and_runs_only_once() -> None:
    result, backend = await _judge(
        IO_ITEM, lambda s: exited(1, stderr='  File "x"\nSyntaxError: invalid syntax')
    )
    assert result["status"] == "compile_error"
    assert outcomes(result) == ["compile_error"] * 2
    assert len(backend.specs) == 1


async def test_a_syntax_error_after_a_test_that_ran_is_the_programs_own_output() -> None:
    # Python refuses a program that does not parse before any run; "SyntaxError" on stderr
    # after a run that got past it is a program faking one, to stop the suite at test 1.
    item = {**IO_ITEM, "tests": MANY_TESTS[:4]}

    def fake(spec: RunSpec) -> Execution:
        if spec.stdin == "0\n":
            return exited(stdout="0\n")
        return exited(1, stderr='  File "x", line 1\nSyntaxError: invalid syntax')

    result, backend = await _judge(item, fake)
    assert outcomes(result) == ["passed"] + ["runtime_error"] * 3
    assert (result["status"], result["reward"]) == ("runtime_error", 0.25)
    assert len(backend.specs) == 4


async def test_a_compiled_language_that_does_not_compile_fails_every_test_unrun() -> None:
    item = {**IO_ITEM, "language": "cpp", "completion": "int main() { oops }"}
    compiled = exited(1, stderr="main.cpp:1: error: 'oops' was not declared")
    result, backend = await _judge(item, doubles, compiled=compiled)
    assert (result["status"], result["reward"]) == ("compile_error", 0.0)
    assert outcomes(result) == ["compile_error"] * 2
    assert "oops" in result["details"]["compile_output"]
    assert backend.specs == []


async def test_a_compiled_program_is_run_per_test_in_its_language() -> None:
    item = {**IO_ITEM, "language": "rust", "completion": "fn main() {}"}
    result, backend = await _judge(item, doubles, compiled=exited(0))
    assert result["status"] == "correct"
    assert [s.language for s in backend.specs] == ["rust", "rust"]


async def test_stop_on_first_failure_skips_the_remaining_tests() -> None:
    item = {**IO_ITEM, "tests": [{"stdin": f"{i}\n", "stdout": f"{2 * i}\n"} for i in range(4)]}

    def wrong_on_one(spec: RunSpec) -> Execution:
        return exited(stdout="nope\n") if spec.stdin == "1\n" else doubles(spec)

    result, backend = await _judge(item, wrong_on_one, stop_on_first_failure=True)
    assert outcomes(result) == ["passed", "wrong_answer", "skipped", "skipped"]
    assert (result["status"], result["reward"]) == ("incorrect", 0.25)
    assert len(backend.specs) == 2


async def test_without_stop_on_first_failure_every_test_runs() -> None:
    item = {**IO_ITEM, "tests": [{"stdin": f"{i}\n", "stdout": f"{2 * i}\n"} for i in range(4)]}
    result, backend = await _judge(item, lambda s: exited(stdout="nope\n"))
    assert outcomes(result) == ["wrong_answer"] * 4 and len(backend.specs) == 4


async def test_item_limits_override_the_deployment_defaults() -> None:
    item = {**IO_ITEM, "limits": {"time_s": 2.5, "memory_mb": 512}}
    _, backend = await _judge(item, doubles)
    assert (backend.specs[0].limits.wall_time_s, backend.specs[0].limits.memory_mb) == (2.5, 512)
    _, backend = await _judge({**IO_ITEM, "limits": {"time_s": 2.5}}, doubles)
    assert (backend.specs[0].limits.wall_time_s, backend.specs[0].limits.memory_mb) == (2.5, 256)


# --- checker programs ----------------------------------------------------------------------


def program_then_checker(checker_exit: int | None, **checker_flags: Any) -> Script:
    def run(spec: RunSpec) -> Execution:
        if spec.source == CHECKER_SOURCE:
            return ended(checker_exit, stderr="checker says", **checker_flags)
        return doubles(spec)

    return run


async def test_a_checker_gets_input_expected_and_actual_as_files_and_accepts_with_exit_0() -> None:
    result, backend = await _judge(CHECKER_ITEM, program_then_checker(0))
    assert (result["status"], result["reward"]) == ("correct", 1.0)
    checks = [s for s in backend.specs if s.source == CHECKER_SOURCE]
    assert len(checks) == 2
    assert checks[1].args == ("input.txt", "expected.txt", "actual.txt")
    assert checks[1].files == {"input.txt": "2\n", "expected.txt": "4\n", "actual.txt": "4\n"}


async def test_a_checker_rejecting_is_a_wrong_answer_with_its_message() -> None:
    result, _ = await _judge(CHECKER_ITEM, program_then_checker(1))
    assert (result["status"], result["reward"]) == ("incorrect", 0.0)
    assert result["details"]["tests"][0]["checker_stderr"] == "checker says"


@pytest.mark.parametrize(
    "flags",
    [
        {"timed_out": True},
        {"memory_exceeded": True},
        {"output_exceeded": True},
        {"signal": 11},
    ],
)
async def test_a_checker_killed_on_the_programs_output_rejects_it(flags: dict[str, Any]) -> None:
    # It judged the program's output (a flood, malformed data): the verdict is on that
    # output, not a sandbox failure that trainers would drop.
    result, _ = await _judge(CHECKER_ITEM, program_then_checker(None, **flags))
    assert (result["status"], result["reward"]) == ("incorrect", 0.0)
    assert outcomes(result) == ["wrong_answer"] * 2
    assert all("did not finish" in t["error"] for t in result["details"]["tests"])


async def test_a_checker_exiting_0_past_a_limit_does_not_accept() -> None:
    result, _ = await _judge(CHECKER_ITEM, program_then_checker(0, output_exceeded=True))
    assert outcomes(result) == ["wrong_answer"] * 2


async def test_a_checker_that_does_not_parse_makes_the_item_invalid_without_running() -> None:
    item = {**CHECKER_ITEM, "checker": {"language": "python", "code": "import sys\nsys.exit(("}}
    result, backend = await _judge(item, doubles)
    assert result["status"] == "invalid_input" and "checker" in result["details"]["error"]
    assert all(spec.source != item["checker"]["code"] for spec in backend.specs)


async def test_a_compile_error_in_the_checkers_stderr_is_the_programs_wrong_answer() -> None:
    # A checker echoing the program's output can print anything, "SyntaxError: ..." too:
    # the checker parses, so this is its verdict on the output.
    def run(spec: RunSpec) -> Execution:
        if spec.source == CHECKER_SOURCE:
            return exited(1, stderr="got: 0\nSyntaxError: not my fault")
        return doubles(spec)

    result, _ = await _judge(CHECKER_ITEM, run)
    assert (result["status"], outcomes(result)) == ("incorrect", ["wrong_answer"] * 2)


async def test_the_checker_never_judges_a_crashed_run_and_stops_at_its_first_rejection() -> None:
    item = {**CHECKER_ITEM, "tests": [{"stdin": f"{i}\n", "stdout": "x\n"} for i in range(3)]}

    def run(spec: RunSpec) -> Execution:
        if spec.source == CHECKER_SOURCE:
            return exited(1 if spec.files["input.txt"] == "0\n" else 0)
        return doubles(spec)

    result, backend = await _judge(item, run, stop_on_first_failure=True)
    assert outcomes(result) == ["wrong_answer", "skipped", "skipped"]
    assert len([s for s in backend.specs if s.source == CHECKER_SOURCE]) == 1


# --- the request deadline ------------------------------------------------------------------

MANY_TESTS = [{"stdin": f"{i}\n", "stdout": f"{2 * i}\n"} for i in range(40)]


def slowly(script: Script, seconds: float = 0.1) -> Script:
    def run(spec: RunSpec) -> Execution:
        time.sleep(seconds)
        return script(spec)

    return run


async def test_no_test_starts_after_the_request_deadline() -> None:
    # 40 runs of 0.1 s would hold the sandbox 4 s; the request gave up after 0.3 s.
    item = {**IO_ITEM, "tests": MANY_TESTS}
    result, backend = await _judge(item, slowly(doubles), deadline_s=0.3)
    assert len(backend.specs) < 20
    assert result["status"] == "timeout" and "deadline" in result["details"]["error"]
    late = result["details"]["tests"][len(backend.specs) :]
    assert late and {t["outcome"] for t in late} == {"skipped"}
    assert all("deadline" in t["error"] for t in late)


async def test_nothing_runs_for_a_request_already_past_its_deadline() -> None:
    result, backend = await _judge(ASSERT_ITEM, harness_says("passed"), deadline_s=-1.0)
    assert backend.specs == [] and result["status"] == "timeout"
    assert outcomes(result) == ["skipped"]


@pytest.mark.parametrize("stop_on_first_failure", [False, True])
async def test_no_checker_starts_after_the_request_deadline(stop_on_first_failure: bool) -> None:
    item = {**CHECKER_ITEM, "tests": MANY_TESTS}

    def run(spec: RunSpec) -> Execution:
        return slowly(lambda _: exited(0))(spec) if spec.source == CHECKER_SOURCE else doubles(spec)

    result, backend = await _judge(
        item, run, deadline_s=0.3, stop_on_first_failure=stop_on_first_failure
    )
    assert len([s for s in backend.specs if s.source == CHECKER_SOURCE]) < 20
    assert result["status"] == "timeout"
    assert "skipped" in outcomes(result)


# --- assert tests (the harness) ------------------------------------------------------------


async def test_assert_tests_run_the_harness_with_the_tests_on_stdin_only() -> None:
    result, backend = await _judge(ASSERT_ITEM, harness_says("passed"))
    assert (result["status"], result["reward"]) == ("correct", 1.0)
    (spec,) = backend.specs
    # The sandbox's program is the harness; the tests travel on stdin, never in a file.
    assert spec.source == harness_source() and spec.files == {}
    request = json.loads(spec.stdin)
    assert (request["program"], request["test_code"]) == (
        "def f():\n    return 1",
        "assert f() == 1",
    )


async def test_the_prelude_travels_to_the_harness_with_the_tests() -> None:
    prelude = "def helper(x):\n    return x + 1\n"
    result, backend = await _judge({**ASSERT_ITEM, "prelude": prelude}, harness_says("passed"))
    assert result["status"] == "correct"
    request = json.loads(backend.specs[0].stdin)
    assert (request["prelude"], request["test_code"]) == (prelude, "assert f() == 1")


async def test_each_harness_run_gets_a_fresh_unguessable_nonce() -> None:
    _, first = await _judge(ASSERT_ITEM, harness_says("passed"))
    _, second = await _judge(ASSERT_ITEM, harness_says("passed"))
    nonces = {json.loads(b.specs[0].stdin)["nonce"] for b in (first, second)}
    assert len(nonces) == 2 and all(len(n) >= 32 for n in nonces)


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        # Exit 0 with nothing reported: the program ended the harness (os._exit, a kill).
        (lambda s: exited(0, stdout=""), "runtime_error"),
        # A pass report under any other nonce is a forgery.
        (harness_says("passed", nonce="0" * 32), "runtime_error"),
        # The report is only believed from a harness that exited normally.
        (harness_says("passed", code=1), "runtime_error"),
        (
            lambda s: ended(None, signal=9, stdout=harness_says("passed")(s).stdout),
            "runtime_error",
        ),
        # A limit hit overrules any report.
        (lambda s: replace(harness_says("passed")(s), timed_out=True), "time_limit"),
        (harness_says("wrong_answer"), "wrong_answer"),
        (harness_says("runtime_error"), "runtime_error"),
        (harness_says("compile_error"), "compile_error"),
        (harness_says("harness_error"), "sandbox_error"),
        (harness_says("returned", value=1), "runtime_error"),
    ],
)
async def test_an_assert_test_passes_only_on_the_harness_pass_report(
    script: Script, outcome: str
) -> None:
    result, _ = await _judge(ASSERT_ITEM, script)
    assert outcomes(result) == [outcome] and result["reward"] == 0.0


async def test_a_pass_report_followed_by_more_output_is_not_a_pass() -> None:
    def trailing(spec: RunSpec) -> Execution:
        return exited(stdout=harness_says("passed")(spec).stdout + "more\n")

    result, _ = await _judge(ASSERT_ITEM, trailing)
    assert outcomes(result) == ["runtime_error"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"entry_point": "f; import os"}, "entry_point"),
        ({"test_code": "assert f( == 1"}, "test_code does not parse"),
        ({"language": "cpp"}, "python only"),
        ({"prelude": "def helper(:\n    pass"}, "prelude does not parse"),
        ({"prelude": "def helper():\n    pass", "language": "cpp"}, "python only"),
        (
            {
                "prelude": "def helper():\n    pass",
                "test_code": None,
                "tests": [{"stdin": "", "stdout": ""}],
            },
            "prelude needs test_code",
        ),
    ],
)
async def test_an_assert_item_that_cannot_be_run_is_invalid_input(
    change: dict[str, Any], error: str
) -> None:
    result, backend = await _judge({**ASSERT_ITEM, **change}, harness_says("passed"))
    assert result["status"] == "invalid_input" and error in result["details"]["error"]
    assert backend.specs == []


async def test_stdin_tests_and_asserts_in_one_item_are_judged_together() -> None:
    item = {**IO_ITEM, "test_code": "assert True"}

    def run(spec: RunSpec) -> Execution:
        return (
            harness_says("wrong_answer")(spec) if spec.source == harness_source() else doubles(spec)
        )

    result, _ = await _judge(item, run)
    assert outcomes(result) == ["passed", "passed", "wrong_answer"]
    assert (result["status"], result["reward"]) == ("incorrect", pytest.approx(2 / 3))


# --- function-call tests -------------------------------------------------------------------


def returns(*values: Any) -> Script:
    """The harness reports the i-th typed value for the i-th call test."""

    def run(spec: RunSpec) -> Execution:
        index = json.loads(spec.stdin)["args"][0] - 1
        return harness_says("returned", value=values[index])(spec)

    return run


async def test_call_tests_never_send_the_expected_value_into_the_sandbox() -> None:
    result, backend = await _judge(CALL_ITEM, returns("SECRET-EXPECTED-1", [1, 2]))
    assert (result["status"], result["reward"]) == ("correct", 1.0)
    for spec in backend.specs:
        request = json.loads(spec.stdin)
        assert "SECRET-EXPECTED" not in spec.stdin and "expected" not in request
        assert (request["mode"], request["fn_name"]) == ("call", "f")


@pytest.mark.parametrize(
    ("second_value", "outcome"),
    [
        ({"t": [1, 2]}, "passed"),  # a tuple for a JSON array
        ([1, 3], "wrong_answer"),
        ([True, 2], "wrong_answer"),  # a bool is not an int
        ([1.0, 2], "wrong_answer"),  # an int was expected
        ({"s": [1, 2]}, "wrong_answer"),  # a set is not an array
        ({"unknown-tag": [1, 2]}, "runtime_error"),  # not typed data: no report
    ],
)
async def test_returned_values_are_compared_strictly_outside_the_sandbox(
    second_value: Any, outcome: str
) -> None:
    result, _ = await _judge(CALL_ITEM, returns("SECRET-EXPECTED-1", second_value))
    assert outcomes(result) == ["passed", outcome]


async def test_a_float_compare_mode_gives_return_values_a_tolerance() -> None:
    item = {**CALL_ITEM, "tests": [{"args": [1], "expected": 0.5}]}
    strict, _ = await _judge(item, returns(0.5000001))
    tolerant, _ = await _judge({**item, "compare": {"mode": "float"}}, returns(0.5000001))
    assert (strict["status"], tolerant["status"]) == ("incorrect", "correct")


async def test_a_wrong_return_value_is_shown() -> None:
    result, _ = await _judge(CALL_ITEM, returns("nope", [1, 2]))
    assert result["details"]["tests"][0]["returned"] == "'nope'"


# --- sandbox failures ----------------------------------------------------------------------


async def test_an_empty_completion_has_no_program() -> None:
    result, backend = await _judge({**IO_ITEM, "completion": "   "}, doubles)
    assert result["status"] == "no_answer" and backend.specs == []


async def test_sandbox_failures_are_statuses_not_exceptions() -> None:
    def broken(spec: RunSpec) -> Execution:
        raise SandboxError("container vanished")

    def gone(spec: RunSpec) -> Execution:
        raise SandboxUnavailable("Docker engine unreachable")

    result, _ = await _judge(IO_ITEM, broken)
    assert result["status"] == "sandbox_error" and outcomes(result) == ["sandbox_error"] * 2
    assert (await _judge(IO_ITEM, gone))[0]["status"] == "sandbox_unavailable"

    def checker_gone(spec: RunSpec) -> Execution:
        return gone(spec) if spec.source == CHECKER_SOURCE else doubles(spec)

    assert (await _judge(CHECKER_ITEM, checker_gone))[0]["status"] == "sandbox_unavailable"


class RecompilingBackend(RunTestsBackend):
    """Runs the first test, then fails to compile again on a fresh sandbox."""

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        run = self.run(replace(spec, stdin=stdins[0]))
        if keep_going is not None:
            keep_going(0, run)
        raise RecompileFailed(exited(1, stderr="#error fresh sandbox"))


@pytest.mark.parametrize("first_output", ["2\n", "7\n"])
async def test_a_failed_recompile_keeps_the_verdicts_reached_and_fails_the_rest(
    first_output: str,
) -> None:
    # A program that compiles only on a used sandbox, then leaves an anomaly so the next test
    # gets a fresh one: its wrong answer must not turn into an unjudged sandbox_error.
    backend = RecompilingBackend(lambda spec: exited(stdout=first_output))
    judge = CodeJudge(backend, limits=Limits(), concurrency=1)
    item = {**IO_ITEM, "language": "cpp", "completion": "int main() {}"}
    request = ScoreRequest.model_validate({"items": [item]})
    (job,) = plan_jobs(request, "r", now_epoch_ms() + 10_000, math_group_size=8)
    (indexed,) = await judge.judge(job)
    result = indexed.result.model_dump()
    first = "passed" if first_output == "2\n" else "wrong_answer"
    assert outcomes(result) == [first, "compile_error"]
    assert result["status"] == ("compile_error" if first == "passed" else "incorrect")
    assert "fresh sandbox" in result["details"]["compile_output"]


async def test_every_run_carries_the_request_deadline() -> None:
    # The sandbox cuts each step's limits to the time left (proven through real Docker in
    # tests/integration/test_code_formats.py); the judge must hand it the deadline.
    def run(spec: RunSpec) -> Execution:
        return exited(0) if spec.source == CHECKER_SOURCE else doubles(spec)

    before = time.monotonic()
    _, backend = await _judge(CHECKER_ITEM, run, deadline_s=5.0)
    assert backend.specs and all(spec.deadline is not None for spec in backend.specs)
    assert all(before + 4.0 < spec.deadline <= before + 5.5 for spec in backend.specs)  # type: ignore[operator]


async def test_a_run_cut_short_by_the_deadline_is_not_judged_as_too_slow() -> None:
    def cut(spec: RunSpec) -> Execution:
        time.sleep(0.3)
        return ended(None, timed_out=True)

    result, _ = await _judge(IO_ITEM, cut, deadline_s=0.2)
    assert result["status"] == "timeout" and outcomes(result) == ["skipped", "skipped"]


async def test_no_backend_never_runs_code() -> None:
    judge = CodeJudge(None, limits=Limits(), concurrency=1)
    request = ScoreRequest.model_validate({"items": [IO_ITEM]})
    (job,) = plan_jobs(request, "r", now_epoch_ms() + 10_000, math_group_size=8)
    (result,) = await judge.judge(job)
    assert result.result.status == "sandbox_unavailable"
