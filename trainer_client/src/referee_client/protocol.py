"""Referee wire protocol, version 1: the one place the HTTP schema is defined.

The service imports these models; trainers may import them too. This contract is public:
later versions may add fields, never remove or change the meaning of these.

    POST /v1/score   ScoreRequest  -> ScoreResponse

Absolute caps here (``MAX_*``) only bound what a request can be at all; a deployment sets
its own, usually smaller, limits in the service settings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PROTOCOL_VERSION = "v1"

MAX_ITEMS = 100_000
MAX_TESTS_PER_ITEM = 1_000


class Status(StrEnum):
    """Why an item got its reward. Every judged item carries exactly one."""

    correct = "correct"  # math: equivalent to gold; code: every test passed
    incorrect = "incorrect"  # math: an answer, not equivalent; code: some test failed
    no_answer = "no_answer"  # no answer or program could be extracted from the completion
    timeout = "timeout"  # grading or the program ran past its time limit, or the request deadline
    compile_error = "compile_error"  # the program does not compile (or parse, for Python)
    runtime_error = "runtime_error"  # the program crashed: non-zero exit or a signal
    memory_limit = "memory_limit"  # the program went over its memory limit
    output_limit = "output_limit"  # the program printed more than the output limit
    sandbox_error = "sandbox_error"  # the sandbox itself failed; not the program's fault
    sandbox_unavailable = "sandbox_unavailable"  # no sandbox backend; code is never run unsandboxed
    invalid_input = "invalid_input"  # the item is well-formed JSON but cannot be judged as given
    internal_error = "internal_error"  # a bug in Referee; logged with the request and item id


class TestOutcome(StrEnum):
    """Verdict of one code test, reported in ``details["tests"]``."""

    __test__ = False  # not a pytest test class

    passed = "passed"  # output matched / asserts held
    wrong_answer = "wrong_answer"  # ran to completion, output or assertion wrong
    time_limit = "time_limit"  # killed at the wall-time limit
    memory_limit = "memory_limit"  # killed for exceeding the memory limit
    runtime_error = "runtime_error"  # non-zero exit or killed by a signal
    output_limit = "output_limit"  # printed more than the output limit
    compile_error = "compile_error"  # the program failed to compile or parse
    sandbox_error = "sandbox_error"  # the sandbox failed; the test was not judged
    skipped = "skipped"  # not run (an earlier failure with stop-at-first-failure)


class RewardMode(StrEnum):
    """How a code item's test outcomes become its reward."""

    fraction = "fraction"  # passed tests / all tests
    all_or_nothing = "all_or_nothing"  # 1.0 only if every test passed


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MathItem(_Model):
    """A completion whose final answer is compared with ``gold``."""

    kind: Literal["math"]
    id: str | None = Field(default=None, max_length=256)
    completion: str
    gold: str = Field(min_length=1)


class IOTest(_Model):
    """A stdin/stdout test: feed ``stdin``, compare the program's output with ``stdout``."""

    stdin: str = ""
    stdout: str


class CodeItem(_Model):
    """A program judged by tests: stdin/stdout ``tests``, or ``test_code`` asserts, or both.

    The completion may be bare code or contain markdown fences; the last fenced block is
    the program.
    """

    kind: Literal["code"]
    id: str | None = Field(default=None, max_length=256)
    language: Literal["python"] = "python"
    completion: str
    tests: list[IOTest] | None = Field(default=None, max_length=MAX_TESTS_PER_ITEM)
    test_code: str | None = None
    entry_point: str | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _needs_tests(self) -> CodeItem:
        if not self.tests and not (self.test_code and self.test_code.strip()):
            raise ValueError("a code item needs `tests` (non-empty) or `test_code`")
        return self


Item = Annotated[MathItem | CodeItem, Field(discriminator="kind")]


class ScoreOptions(_Model):
    """Per-request options. Every field has a default."""

    timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Deadline for the whole request; unanswered items report `timeout`.",
    )
    reward: RewardMode = RewardMode.fraction


class ScoreRequest(_Model):
    """``POST /v1/score`` body: a batch of items, judged independently."""

    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    options: ScoreOptions = ScoreOptions()


class ItemResult(_Model):
    """One item's verdict. ``details`` explains it (extracted answer, per-test outcomes, ...)."""

    id: str
    reward: float = Field(ge=0.0, le=1.0)
    status: Status
    details: dict[str, Any] = Field(default_factory=dict)


class ScoreResponse(_Model):
    """Results in item order, exactly one per item."""

    results: list[ItemResult]


__all__ = [
    "MAX_ITEMS",
    "MAX_TESTS_PER_ITEM",
    "PROTOCOL_VERSION",
    "CodeItem",
    "IOTest",
    "Item",
    "ItemResult",
    "MathItem",
    "RewardMode",
    "ScoreOptions",
    "ScoreRequest",
    "ScoreResponse",
    "Status",
    "TestOutcome",
]
