"""Code jobs: run the extracted program against each test in the sandbox and judge it.

The program runs only inside a ``SandboxBackend``; with none, the item answers
``sandbox_unavailable`` and nothing runs on the host.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from referee_client.protocol import CodeItem, IOTest, RewardMode, Status, TestOutcome
from referee_sandboxes import (
    Execution,
    Limits,
    RunSpec,
    SandboxBackend,
    SandboxError,
    SandboxUnavailable,
)
from referee_verifiers.code import (
    assert_passed,
    build_assert_program,
    extract_program,
    outputs_match,
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


@dataclass(frozen=True)
class _Test:
    """One execution to make: the source to run, its stdin, and how to judge the output."""

    name: str
    source: str
    stdin: str
    expected_stdout: str | None  # stdin/stdout test
    nonce: str | None  # assert test: the line printed only if every assert ran


class CodeJudge:
    """Runs code items on ``backend`` (None: no sandbox), at most ``concurrency`` at once."""

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
        return [await self._judge_item(e.index, e.item, job.options.reward) for e in job.items]

    async def _judge_item(self, index: int, item: Any, mode: RewardMode) -> IndexedResult:
        assert isinstance(item, CodeItem)
        if self._backend is None:
            return indexed(index, item, Status.sandbox_unavailable, details=_no_sandbox())
        program = extract_program(item.completion)
        if program is None:
            return indexed(index, item, Status.no_answer, details={"error": "no program found"})
        try:
            tests = _plan_tests(item, program)
        except ValueError as exc:
            return indexed(index, item, Status.invalid_input, details={"error": str(exc)})
        try:
            # The first test alone: a program that does not compile fails every test the same way.
            first = await self._run(tests[0])
            reports = [first]
            if first["outcome"] == TestOutcome.compile_error:
                reports += [dict(first, name=t.name) for t in tests[1:]]
            else:
                reports += await asyncio.gather(*(self._run(t) for t in tests[1:]))
        except SandboxUnavailable as exc:
            return indexed(index, item, Status.sandbox_unavailable, details={"error": str(exc)})
        return _item_result(index, item, reports, mode)

    async def _run(self, test: _Test) -> dict[str, Any]:
        assert self._backend is not None
        spec = RunSpec(language="python", source=test.source, stdin=test.stdin, limits=self._limits)
        loop = asyncio.get_running_loop()
        try:
            execution = await loop.run_in_executor(self._executor, self._backend.run, spec)
        except SandboxUnavailable:
            raise
        except SandboxError as exc:
            return {"name": test.name, "outcome": TestOutcome.sandbox_error, "error": str(exc)}
        return _report(test, execution)


def _no_sandbox() -> dict[str, Any]:
    return {"error": "no sandbox backend configured; code is never run outside a sandbox"}


def _plan_tests(item: CodeItem, program: str) -> list[_Test]:
    tests = [
        _Test(f"io[{i}]", program, t.stdin, t.stdout, None)
        for i, t in enumerate(item.tests or [])
        if isinstance(t, IOTest)
    ]
    if item.test_code and item.test_code.strip():
        nonce = f"referee-pass-{secrets.token_hex(16)}"
        source = build_assert_program(program, item.test_code, item.entry_point, nonce)
        tests.append(_Test("test_code", source, "", None, nonce))
    return tests


def _outcome(test: _Test, run: Execution) -> TestOutcome:
    if run.output_exceeded:
        return TestOutcome.output_limit
    if run.memory_exceeded:
        return TestOutcome.memory_limit
    if run.timed_out:
        return TestOutcome.time_limit
    if run.exit_code != 0 or run.signal is not None:
        last_line = run.stderr.strip().rsplit("\n", 1)[-1]
        if last_line.startswith(_COMPILE_ERRORS):
            return TestOutcome.compile_error
        if test.nonce is not None and last_line.startswith("AssertionError"):
            return TestOutcome.wrong_answer
        return TestOutcome.runtime_error
    if test.nonce is not None:
        passed = assert_passed(run.stdout, test.nonce)
    else:
        assert test.expected_stdout is not None
        passed = outputs_match(test.expected_stdout, run.stdout)
    return TestOutcome.passed if passed else TestOutcome.wrong_answer


def _report(test: _Test, run: Execution) -> dict[str, Any]:
    outcome = _outcome(test, run)
    report: dict[str, Any] = {
        "name": test.name,
        "outcome": outcome,
        "time_s": round(run.duration_s, 4),
        "exit_code": run.exit_code,
    }
    if run.signal is not None:
        report["signal"] = run.signal
    if outcome != TestOutcome.passed:
        report["stderr"] = excerpt(run.stderr)
        if test.expected_stdout is not None:
            report["stdout"] = excerpt(run.stdout, 300)
    return report


def _item_result(
    index: int, item: CodeItem, reports: list[dict[str, Any]], mode: RewardMode
) -> IndexedResult:
    passed = sum(r["outcome"] == TestOutcome.passed for r in reports)
    failed = [r for r in reports if r["outcome"] != TestOutcome.passed]
    status = _ITEM_STATUS[failed[0]["outcome"]] if failed else Status.correct
    if mode == RewardMode.all_or_nothing:
        reward = 1.0 if not failed else 0.0
    else:
        reward = passed / len(reports)
    details = {"passed": passed, "total": len(reports), "tests": reports}
    return indexed(index, item, status, reward, details)
