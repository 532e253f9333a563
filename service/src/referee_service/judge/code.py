"""Code jobs: run the extracted program against its tests in the sandbox and judge each run.

The program runs only inside a ``SandboxBackend``; with none, the item answers
``sandbox_unavailable`` and nothing runs on the host.

Test formats, each judged here, outside the sandbox:

* stdin/stdout tests (any language): the program is compiled once and run per test
  (``run_tests``); its output is compared in the item's compare mode, or judged by the
  item's checker program, itself run sandboxed with the input, expected and actual output.
* assert tests (``test_code``, Python) and function-call tests (``fn_name``, Python): the
  sandbox runs the trusted test harness (``referee_verifiers.code.harness``), which keeps
  the tests, the expected values and the verdict out of the program's reach and reports on
  a stdout line marked with a per-run secret nonce. A call test's expected value never
  enters the sandbox: the returned value comes back as plain data and is compared here.

No run starts after the request's deadline, and none runs past it: each spec carries the
deadline, which cuts every compile, run and checker step's time limits to the time left (a
sandbox thread outlives the job that the worker gave up on, and the next request needs the
sandbox). A step cut short that way, like a test never started, is ``skipped`` and the item
a ``timeout``: the deadline, not the program, ended it.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from referee_client.protocol import (
    CallTest,
    CodeItem,
    IOTest,
    Language,
    RewardMode,
    ScoreOptions,
    Status,
    TestOutcome,
)
from referee_sandboxes import (
    Execution,
    Limits,
    RecompileFailed,
    RunSpec,
    SandboxBackend,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
)
from referee_verifiers.code import (
    assert_request,
    call_request,
    extract_program,
    harness_source,
    outputs_match,
    python_syntax_error,
    read_report,
    values_match,
)

from referee_service.jobs import IndexedResult, Job
from referee_service.judge.results import excerpt, indexed

# Python reports these when the program does not parse: a compile error, not a crash.
_COMPILE_ERRORS = ("SyntaxError", "IndentationError", "TabError")

# The item's status when a test fails, by the first failing test's outcome.
_ITEM_STATUS = {
    TestOutcome.wrong_answer: Status.incorrect,
    TestOutcome.time_limit: Status.timeout,
    TestOutcome.memory_limit: Status.memory_limit,
    TestOutcome.runtime_error: Status.runtime_error,
    TestOutcome.output_limit: Status.output_limit,
    TestOutcome.compile_error: Status.compile_error,
    TestOutcome.sandbox_error: Status.sandbox_error,
}

# The harness's verdicts (see harness.py) as test outcomes; "passed"/"returned" are judged.
_HARNESS_OUTCOME = {
    "wrong_answer": TestOutcome.wrong_answer,
    "runtime_error": TestOutcome.runtime_error,
    "compile_error": TestOutcome.compile_error,
    "harness_error": TestOutcome.sandbox_error,
}

# What a checker reads: the test's input, the expected output, the program's output.
CHECKER_FILES = ("input.txt", "expected.txt", "actual.txt")

# An internal outcome: the run ended cleanly and the item's checker decides.
_TO_CHECK = "to_check"
# Why a suite's runs stopped early: the request deadline passed.
_DEADLINE = "deadline"


class _InvalidItem(Exception):
    """The item cannot be judged as given (the message says why): ``invalid_input``."""


@dataclass(frozen=True)
class _Case:
    """One test: its name, the run's stdin, and what judges the run."""

    name: str
    stdin: str
    expected_stdout: str | None = None  # a stdin/stdout test
    call: CallTest | None = None  # a function-call test
    nonce: str | None = None  # a harness run: the secret that marks its report


@dataclass(frozen=True)
class _Suite:
    """Cases that run the same program (one ``run_tests``: compiled once)."""

    spec: RunSpec
    cases: list[_Case]


@dataclass
class _Judged:
    """A test's report and, for a run its checker still has to judge, the run."""

    report: dict[str, Any]
    run: Execution | None = None
    case: _Case | None = None

    @property
    def outcome(self) -> str:
        return str(self.report["outcome"])


@dataclass(frozen=True)
class _Context:
    """What judging a run needs beyond the run itself.

    ``deadline`` is the request's, on ``time.monotonic``; ``late`` collects the tests that
    were not run because it passed.
    """

    item: CodeItem
    stop_on_first_failure: bool
    checker_limits: Limits
    deadline: float
    notes: dict[str, str] = field(default_factory=dict)
    late: list[str] = field(default_factory=list)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def not_run(self, case_name: str) -> _Judged:
        """A test the deadline left unrun.

        ``skipped``, not ``time_limit``: the program did not overrun its own limit, the
        request ran out of time; the item's status (``timeout``) says so.
        """
        self.late.append(case_name)
        error = "not judged: the request deadline passed"
        return _Judged({"name": case_name, "outcome": TestOutcome.skipped, "error": error})


class CodeJudge:
    """Runs code items on ``backend`` (None: no sandbox), at most ``concurrency`` at once.

    ``limits`` are the deployment's defaults; an item's ``limits`` override wall time and
    memory for its program (a checker always runs under the defaults).
    """

    def __init__(self, backend: SandboxBackend | None, *, limits: Limits, concurrency: int) -> None:
        self._backend = backend
        self._limits = limits
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sandbox")

    @property
    def backend_name(self) -> str:
        return self._backend.name if self._backend is not None else "none"

    def check(self) -> None:
        """Raise ``SandboxUnavailable`` if programs cannot run now. Blocking."""
        if self._backend is None:
            raise SandboxUnavailable("no sandbox backend configured (REFEREE_SANDBOX__BACKEND)")
        self._backend.check()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._backend is not None:
            self._backend.close()

    async def judge(self, job: Job) -> list[IndexedResult]:
        deadline = time.monotonic() + job.remaining_s()
        return list(
            await asyncio.gather(
                *(self._judge_item(e.index, e.item, job.options, deadline) for e in job.items)
            )
        )

    async def _judge_item(
        self, index: int, item: Any, options: ScoreOptions, deadline: float
    ) -> IndexedResult:
        assert isinstance(item, CodeItem)
        if self._backend is None:
            return indexed(index, item, Status.sandbox_unavailable, details=_no_sandbox())
        program = extract_program(item.completion)
        if program is None:
            return indexed(index, item, Status.no_answer, details={"error": "no program found"})
        limits = self._limits
        if item.limits.time_s is not None:  # CPU time follows the item's wall time
            limits = replace(limits, wall_time_s=item.limits.time_s, cpu_time_s=None)
        if item.limits.memory_mb is not None:
            limits = replace(limits, memory_mb=item.limits.memory_mb)
        context = _Context(item, options.stop_on_first_failure, self._limits, deadline)
        try:
            suites = _plan(item, program, limits)
            judged: list[_Judged] = []
            for suite in suites:
                if context.stop_on_first_failure and _failed(judged):
                    judged += [_skipped(case) for case in suite.cases]
                else:
                    judged += await self._run_suite(suite, context)
            if item.checker is not None:
                await self._run_checkers(judged, context)
        except SandboxUnavailable as exc:
            return indexed(index, item, Status.sandbox_unavailable, details={"error": str(exc)})
        except _InvalidItem as exc:
            return indexed(index, item, Status.invalid_input, details={"error": str(exc)})
        return _item_result(index, item, [j.report for j in judged], options.reward, context)

    async def _in_thread(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: Any, context: _Context
    ) -> TestRuns | None:
        """``run_tests`` in a sandbox thread; None when the deadline passed before it began."""
        backend = self._backend
        assert backend is not None

        def run() -> TestRuns | None:
            # Checked in the thread: queued behind other items, the work may start late.
            return None if context.expired() else backend.run_tests(spec, stdins, keep_going)

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    async def _run_suite(self, suite: _Suite, context: _Context) -> list[_Judged]:
        stopped: list[str] = []
        # Each run is judged once, here, as it ends: the sandbox then drops its output
        # (``output_kept=False``), and only a run the checker still needs keeps it.
        judged: list[_Judged] = []

        def keep_going(i: int, run: Execution) -> bool:
            # Called in the sandbox thread after each run: a program that does not compile
            # fails every test alike, stop-at-first-failure skips the rest, and nothing
            # starts after the deadline (the worker stopped waiting, the thread did not).
            if run.timed_out and context.expired():  # cut short by the deadline
                judged.append(context.not_run(suite.cases[i].name))
                stopped.append(_DEADLINE)
                return False
            judged.append(_judge_run(suite.cases[i], run, context))
            outcome = judged[-1].outcome
            if outcome == TestOutcome.compile_error and i > 0:
                # Python finds a syntax error before any run: after a run that got past it,
                # "SyntaxError" on stderr is the program's own words, ending a wrong run.
                judged[-1].report["outcome"] = outcome = TestOutcome.runtime_error
            if outcome == TestOutcome.compile_error or (
                context.stop_on_first_failure and outcome not in (TestOutcome.passed, _TO_CHECK)
            ):
                stopped.append(outcome)
                return False
            if context.expired():
                stopped.append(_DEADLINE)
                return False
            return True

        stdins = [c.stdin for c in suite.cases]
        spec = replace(suite.spec, output_kept=False, deadline=context.deadline)
        try:
            runs = await self._in_thread(spec, stdins, keep_going, context)
        except SandboxUnavailable:
            raise
        except RecompileFailed as exc:
            # The runs so far stand; the program would not compile again for the rest.
            context.notes["compile_output"] = excerpt(exc.compiled.stderr or exc.compiled.stdout)
            rest = suite.cases[len(judged) :]
            return judged + [_compile_error(case, exc.compiled) for case in rest]
        except SandboxError as exc:
            rest = suite.cases[len(judged) :]
            return judged + [_sandbox_error(case, str(exc)) for case in rest]
        if runs is None:
            return [context.not_run(case.name) for case in suite.cases]
        if runs.compile_failed:
            assert runs.compiled is not None
            if runs.compiled.timed_out and context.expired():  # cut short by the deadline
                return [context.not_run(case.name) for case in suite.cases]
            context.notes["compile_output"] = excerpt(runs.compiled.stderr or runs.compiled.stdout)
            return [_compile_error(case, runs.compiled) for case in suite.cases]
        # The run that stopped the suite; for a compile error that is the first (see above).
        stopper = judged[-1] if stopped else None
        for case in suite.cases[len(judged) :]:
            if stopper is not None and stopped[0] == TestOutcome.compile_error:
                judged.append(_Judged(dict(stopper.report, name=case.name)))
            elif (stopped and stopped[0] == _DEADLINE) or context.expired():
                judged.append(context.not_run(case.name))
            elif stopped:
                judged.append(_skipped(case))
            else:
                judged.append(_sandbox_error(case, "the sandbox returned no run for this test"))
        return judged

    async def _run_checkers(self, judged: list[_Judged], context: _Context) -> None:
        """Let the item's checker judge every run that ended cleanly, in test order."""
        if not any(j.run for j in judged):
            return
        _check_checker_parses(context.item)
        if not context.stop_on_first_failure:
            await asyncio.gather(*(self._check_one(j, context) for j in judged if j.run))
            return
        for position, j in enumerate(judged):
            if j.outcome != _TO_CHECK:
                continue
            if _failed(judged[:position]):
                j.report, j.run = {"name": j.report["name"], "outcome": TestOutcome.skipped}, None
            else:
                await self._check_one(j, context)

    async def _check_one(self, judged: _Judged, context: _Context) -> None:
        """The checker's verdict on one run.

        The checker read the program's output, so how it ends is the verdict on that
        output: anything but a clean exit 0 rejects it (a checker crashing on malformed
        output, or killed for the time, memory or output that output cost it). Only a
        failure of the sandbox itself leaves the test unjudged.
        """
        checker, case, run = context.item.checker, judged.case, judged.run
        assert checker is not None and case is not None and run is not None
        assert case.expected_stdout is not None
        spec = RunSpec(
            language=checker.language,
            source=checker.code,
            limits=context.checker_limits,
            files=dict(
                zip(CHECKER_FILES, (case.stdin, case.expected_stdout, run.stdout), strict=True)
            ),
            args=CHECKER_FILES,
            deadline=context.deadline,
        )
        try:
            runs = await self._in_thread(spec, [""], None, context)
        except SandboxUnavailable:
            raise
        except SandboxError as exc:
            judged.report.update(outcome=TestOutcome.sandbox_error, error=f"checker: {exc}")
            return
        if runs is None:
            judged.report, judged.run = context.not_run(case.name).report, None
            return
        if runs.compile_failed:
            # The compiler reads the checker's source alone, never the program's output.
            raise _InvalidItem("the checker does not compile")
        if not runs.runs:
            error = "checker: the sandbox returned no run"
            judged.report.update(outcome=TestOutcome.sandbox_error, error=error)
            return
        (verdict,) = runs.runs
        if verdict.timed_out and context.expired():  # cut short by the deadline
            judged.report, judged.run = context.not_run(case.name).report, None
            return
        if _accepted(verdict):
            judged.report["outcome"] = TestOutcome.passed
            return
        judged.report.update(
            outcome=TestOutcome.wrong_answer,
            stdout=excerpt(run.stdout, 300),
            checker_stderr=excerpt(verdict.stderr or verdict.stdout, 300),
        )
        if verdict.exit_code is None or verdict.signal is not None:
            judged.report["error"] = "the checker did not finish on this output"


def _check_checker_parses(item: CodeItem) -> None:
    """Raise ``_InvalidItem`` if the item's Python checker does not parse.

    Decided from the source alone (parsed here, never run), before any checker run: the
    stderr of a run that read the program's output could be the program's own text (a
    printed ``SyntaxError:``), and an item it made ``invalid_input`` would be dropped
    instead of penalized. A compiled checker is judged by its compile step.
    """
    checker = item.checker
    if checker is None or checker.language != Language.python:
        return
    error = python_syntax_error(checker.code, "checker")
    if error is not None:
        raise _InvalidItem(error)


def _accepted(verdict: Execution) -> bool:
    """A checker accepts only by exiting 0 on its own, within every limit."""
    return verdict.exit_code == 0 and verdict.signal is None and _limit_outcome(verdict) is None


def _no_sandbox() -> dict[str, Any]:
    return {"error": "no sandbox backend configured; code is never run outside a sandbox"}


def _nonce() -> str:
    return secrets.token_hex(16)


def _plan(item: CodeItem, program: str, limits: Limits) -> list[_Suite]:
    """The runs to make, as suites; raises ``_InvalidItem`` if the item cannot be run."""
    io_tests = [t for t in item.tests or [] if isinstance(t, IOTest)]
    call_tests = [t for t in item.tests or [] if isinstance(t, CallTest)]
    has_asserts = bool(item.test_code and item.test_code.strip())
    prelude = item.prelude if item.prelude and item.prelude.strip() else None
    if (call_tests or has_asserts or prelude) and item.language != Language.python:
        raise _InvalidItem("test_code, prelude and function-call tests are judged for python only")
    if prelude is not None and not has_asserts:
        raise _InvalidItem("prelude needs test_code: it runs before the assert tests only")
    suites: list[_Suite] = []
    if io_tests:
        cases = [
            _Case(f"io[{i}]", t.stdin, expected_stdout=t.stdout) for i, t in enumerate(io_tests)
        ]
        suites.append(_Suite(RunSpec(item.language, program, limits=limits), cases))
    harness = RunSpec(Language.python, harness_source(), limits=limits)
    try:
        if call_tests:
            assert item.fn_name is not None  # the protocol requires it with call tests
            cases = []
            for i, t in enumerate(call_tests):
                nonce = _nonce()
                stdin = call_request(program, item.fn_name, t.args, t.kwargs, nonce)
                cases.append(_Case(f"call[{i}]", stdin, call=t, nonce=nonce))
            suites.append(_Suite(harness, cases))
        if has_asserts:
            assert item.test_code is not None
            nonce = _nonce()
            stdin = assert_request(program, item.test_code, item.entry_point, nonce, prelude)
            suites.append(_Suite(harness, [_Case("test_code", stdin, nonce=nonce)]))
    except ValueError as exc:
        raise _InvalidItem(str(exc)) from None
    return suites


def _is_python_compile_error(run: Execution) -> bool:
    last_line = run.stderr.strip().rsplit("\n", 1)[-1]
    return run.exit_code != 0 and last_line.startswith(_COMPILE_ERRORS)


def _limit_outcome(run: Execution) -> TestOutcome | None:
    """The outcome of a run that hit a limit, which no report from inside can overrule."""
    if run.output_exceeded:
        return TestOutcome.output_limit
    if run.memory_exceeded:
        return TestOutcome.memory_limit
    if run.timed_out:
        return TestOutcome.time_limit
    return None


def _judge_run(case: _Case, run: Execution, context: _Context) -> _Judged:
    """One run's verdict: limits first, then how it ended, then its output."""
    report: dict[str, Any] = {
        "name": case.name,
        "time_s": round(run.duration_s, 4),
        "exit_code": run.exit_code,
    }
    if run.signal is not None:
        report["signal"] = run.signal
    outcome: str | None = _limit_outcome(run)
    if outcome is None and case.nonce is not None:
        outcome = _judge_harness(case, run, context, report)
    elif outcome is None:
        outcome = _judge_output(case, run, context)
    report["outcome"] = outcome
    if outcome not in (TestOutcome.passed, _TO_CHECK):
        report["stderr"] = excerpt(run.stderr)
        if case.expected_stdout is not None:
            report["stdout"] = excerpt(run.stdout, 300)
    return _Judged(report, run if outcome == _TO_CHECK else None, case)


def _judge_output(case: _Case, run: Execution, context: _Context) -> str:
    if run.exit_code != 0 or run.signal is not None:
        python = context.item.language == Language.python
        if python and _is_python_compile_error(run):
            return TestOutcome.compile_error
        return TestOutcome.runtime_error
    if context.item.checker is not None:
        return _TO_CHECK
    assert case.expected_stdout is not None
    compare = context.item.compare
    matched = outputs_match(
        case.expected_stdout,
        run.stdout,
        compare.mode.value,
        abs_tol=compare.abs_tol,
        rel_tol=compare.rel_tol,
    )
    return TestOutcome.passed if matched else TestOutcome.wrong_answer


def _judge_harness(case: _Case, run: Execution, context: _Context, report: dict[str, Any]) -> str:
    """A harness run: only a report carrying this run's nonce counts, and only on exit 0."""
    assert case.nonce is not None
    harness_report = read_report(run.stdout, case.nonce)
    if harness_report is None or run.exit_code != 0 or run.signal is not None:
        report["message"] = "the test harness was ended before it reported"
        return TestOutcome.runtime_error
    if harness_report.message:
        report["message"] = harness_report.message
    verdict = harness_report.verdict
    if case.call is None:
        return (
            TestOutcome.passed
            if verdict == "passed"
            else _HARNESS_OUTCOME.get(verdict, TestOutcome.runtime_error)
        )
    if verdict != "returned":
        return _HARNESS_OUTCOME.get(verdict, TestOutcome.runtime_error)
    compare = context.item.compare
    # Float tolerance applies to return values when the item asks for float comparison.
    tolerant = compare.mode == "float"
    if values_match(
        case.call.expected,
        harness_report.value,
        abs_tol=compare.abs_tol if tolerant else 0.0,
        rel_tol=compare.rel_tol if tolerant else 0.0,
    ):
        return TestOutcome.passed
    report["returned"] = excerpt(repr(harness_report.value), 300)
    return TestOutcome.wrong_answer


def _skipped(case: _Case) -> _Judged:
    return _Judged({"name": case.name, "outcome": TestOutcome.skipped})


def _sandbox_error(case: _Case, error: str) -> _Judged:
    return _Judged({"name": case.name, "outcome": TestOutcome.sandbox_error, "error": error})


def _compile_error(case: _Case, compiled: Execution) -> _Judged:
    report: dict[str, Any] = {"name": case.name, "outcome": TestOutcome.compile_error}
    if compiled.timed_out:
        report["error"] = "compilation ran past its time limit"
    return _Judged(report)


def _failed(judged: Sequence[_Judged]) -> bool:
    return any(
        j.outcome not in (TestOutcome.passed, TestOutcome.skipped, _TO_CHECK) for j in judged
    )


def _item_result(
    index: int,
    item: CodeItem,
    reports: list[dict[str, Any]],
    mode: RewardMode,
    context: _Context,
) -> IndexedResult:
    passed = sum(r["outcome"] == TestOutcome.passed for r in reports)
    failed = [r for r in reports if r["outcome"] not in (TestOutcome.passed, TestOutcome.skipped)]
    status = _ITEM_STATUS[failed[0]["outcome"]] if failed else Status.correct
    if mode == RewardMode.all_or_nothing:
        reward = 1.0 if not failed and passed == len(reports) else 0.0
    else:
        reward = passed / len(reports)
    details: dict[str, Any] = {"passed": passed, "total": len(reports), "tests": reports}
    details.update(context.notes)
    if context.late:
        # Not fully judged: whatever the tests that ran say, the deadline decided the item.
        status = Status.timeout
        details["error"] = (
            f"the request deadline passed; {len(context.late)} of {len(reports)} tests not run"
        )
    return indexed(index, item, status, reward, details)
