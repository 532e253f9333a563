"""Referee wire protocol, version 1: the one place the HTTP schema is defined.

The service imports these models; trainers may import them too. This contract is public:
later versions may add fields, never remove or change the meaning of these.

    POST /v1/score   ScoreRequest  -> ScoreResponse

Absolute caps here (``MAX_*``) only bound what a request can be at all; a deployment sets
its own, usually smaller, limits in the service settings.

Every model refuses, naming the field: numbers that are not finite (``Infinity``, ``NaN``,
``1e999``), strings that are not valid Unicode (a lone surrogate such as ``"\\ud800"``), and
free-form JSON values (function-call ``args``/``kwargs``/``expected``, IFEval ``kwargs``, a
plugin item's extra fields) nested deeper than ``MAX_JSON_DEPTH``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    model_validator,
)

PROTOCOL_VERSION = "v1"

MAX_ITEMS = 100_000
MAX_TESTS_PER_ITEM = 1_000
# Containers (lists, objects) nested in one free-form JSON field, counting the field's own.
# Function-call tests need a handful (a matrix is 3 inside `args`); the cap keeps every
# value far below the recursion limits of the JSON parsers and serializers it passes through.
MAX_JSON_DEPTH = 32
# A composite component's weight: 16 of them sum to a finite number, far from overflow.
MAX_WEIGHT = 1e6
# Characters in any one string. Deployments cap completions and tests far lower
# (REFEREE_MAX_COMPLETION_CHARS). As the models' ``str_max_length`` it constrains every
# string, free-form JSON strings and keys included, and pydantic reads a constrained string
# as UTF-8: one holding a lone surrogate (``"\\ud800"``, which no UTF-8 serializer downstream
# can write) is refused there, naming its field (``string_unicode``; pinned by the tests).
MAX_TEXT_CHARS = 64 * 1024 * 1024


def _within_depth(value: Any) -> Any:
    """``value`` unchanged, unless its lists and objects nest deeper than ``MAX_JSON_DEPTH``.

    Breadth-first and iterative: a value nested thousands deep (``json.loads`` accepts ~1000)
    is refused without recursing into it.
    """
    layer = [value] if isinstance(value, list | dict) else []
    depth = 0
    while layer:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH)")
        layer = [
            child
            for container in layer
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, list | dict)
        ]
    return value


# Free-form JSON fields: any JSON value, finite numbers and valid strings at every depth
# (``JsonValue`` under the models' config), at most ``MAX_JSON_DEPTH`` deep.
_SHALLOW = BeforeValidator(_within_depth)
_Json = Annotated[JsonValue, _SHALLOW]

# Every model (extra fields aside): non-finite numbers and invalid strings are refused.
_CONFIG = ConfigDict(frozen=True, allow_inf_nan=False, str_max_length=MAX_TEXT_CHARS)


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


class Language(StrEnum):
    """Languages a code item may be written in."""

    python = "python"  # Python 3
    cpp = "cpp"  # C++17
    c = "c"  # C11
    java = "java"  # the public class may have any name; it is found and run
    javascript = "javascript"  # Node.js
    rust = "rust"  # edition 2021, std only


class CompareMode(StrEnum):
    """How a stdin/stdout test compares the program's output with the expected output."""

    whitespace = "whitespace"  # tokens equal, whitespace and trailing newlines ignored
    exact = "exact"  # byte-for-byte
    float = "float"  # tokens equal, numeric tokens within abs_tol or rel_tol
    case_insensitive = "case_insensitive"  # like whitespace, ignoring case
    unordered_lines = "unordered_lines"  # the same lines (whitespace-trimmed), in any order


class ExtractionPolicy(StrEnum):
    """Where a math answer may be found in a completion."""

    lenient = "lenient"  # boxed, "the answer is", ####, bold, a bare answer, last number
    strict = "strict"  # only the last \boxed{} / \fbox{}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", **_CONFIG)


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


class CallTest(_Model):
    """A function-call test: ``fn_name(*args, **kwargs)`` must return ``expected``.

    Values are JSON; the comparison runs in the trusted harness with strict types, so an
    object that overrides ``__eq__`` or a subclass of the expected type is not a pass.
    """

    args: Annotated[list[JsonValue], _SHALLOW] = Field(default_factory=list)
    kwargs: Annotated[dict[str, JsonValue], _SHALLOW] = Field(default_factory=dict)
    expected: _Json


def _tests_tag(value: Any) -> str:
    """``call`` when the first test is a function call (``args``/``kwargs``/``expected``),
    else ``io``: a bad test is then reported against the one kind it was meant to be."""
    first = value[0] if isinstance(value, list) and value else None
    if isinstance(first, dict):
        return "call" if {"args", "kwargs", "expected"} & first.keys() else "io"
    return "call" if isinstance(first, CallTest) else "io"


_Tests = Annotated[
    Annotated[list[IOTest], Field(max_length=MAX_TESTS_PER_ITEM), Tag("io")]
    | Annotated[list[CallTest], Field(max_length=MAX_TESTS_PER_ITEM), Tag("call")],
    Discriminator(_tests_tag),
]


class OutputCompare(_Model):
    """Output comparison for stdin/stdout tests."""

    mode: CompareMode = CompareMode.whitespace
    abs_tol: float = Field(default=1e-6, ge=0)
    rel_tol: float = Field(default=1e-6, ge=0)


class Checker(_Model):
    """A checker program (Codeforces/IOI style) that judges each stdin/stdout test.

    It runs sandboxed with three file paths as arguments: the test's input, the expected
    output and the program's output; exit status 0 accepts, anything else rejects.
    """

    language: Language = Language.python
    code: str = Field(min_length=1)


class CodeLimits(_Model):
    """Per-test limits; unset fields take the deployment's defaults."""

    time_s: float | None = Field(default=None, gt=0, le=60)
    memory_mb: int | None = Field(default=None, ge=16, le=8192)


class CodeItem(_Model):
    """A program judged by tests: stdin/stdout ``tests``, or ``test_code`` asserts, or both.

    The completion may be bare code or contain markdown fences; the last fenced block is
    the program.
    """

    kind: Literal["code"]
    id: str | None = Field(default=None, max_length=256)
    language: Language = Language.python
    completion: str
    tests: _Tests | None = None
    test_code: str | None = None
    prelude: str | None = Field(
        default=None,
        description=(
            "Trusted Python run in the test namespace before `test_code`, e.g. the prompt's"
            " helper functions; its definitions are not proxied to the program and the"
            " program cannot replace them. Needs `test_code`."
        ),
    )
    entry_point: str | None = Field(default=None, max_length=256)
    fn_name: str | None = Field(
        default=None, max_length=256, description="Function the `CallTest`s call."
    )
    compare: OutputCompare = OutputCompare()
    checker: Checker | None = None
    limits: CodeLimits = CodeLimits()

    @model_validator(mode="after")
    def _needs_tests(self) -> CodeItem:
        if not self.tests and not (self.test_code and self.test_code.strip()):
            raise ValueError("a code item needs `tests` (non-empty) or `test_code`")
        calls = bool(self.tests) and isinstance(self.tests[0], CallTest)  # type: ignore[index]
        if calls and not self.fn_name:
            raise ValueError("function-call `tests` need `fn_name`")
        if self.fn_name and not calls:
            raise ValueError("`fn_name` needs function-call `tests` (args/expected)")
        if self.checker and calls:
            raise ValueError("a `checker` judges stdin/stdout `tests`, not function calls")
        return self


class IfevalItem(_Model):
    """IFEval-style instruction-following constraints, in IFEval's own row format.

    ``instruction_id_list[i]`` (e.g. ``"punctuation:no_comma"``) is checked with
    ``kwargs[i]`` (IFEval's argument names). Reward: fraction satisfied, or all-or-nothing.
    """

    kind: Literal["ifeval"]
    id: str | None = Field(default=None, max_length=256)
    completion: str
    instruction_id_list: list[str] = Field(min_length=1, max_length=64)
    kwargs: Annotated[list[dict[str, JsonValue] | None] | None, _SHALLOW] = None
    prompt: str | None = Field(default=None, description="Needed by `combination:repeat_prompt`.")
    reward: RewardMode | None = Field(default=None, description="Defaults to `options.reward`.")

    @model_validator(mode="after")
    def _kwargs_align(self) -> IfevalItem:
        if self.kwargs is not None and len(self.kwargs) != len(self.instruction_id_list):
            raise ValueError("`kwargs` needs one entry per `instruction_id_list` entry")
        return self


class ThinkAnswerFormat(_Model):
    """R1-style structure: reasoning in ``<think>``, then exactly one ``<answer>``."""

    type: Literal["think_answer"]
    think_tag: str = Field(default="think", pattern=r"^[A-Za-z_][\w-]*$")
    answer_tag: str = Field(default="answer", pattern=r"^[A-Za-z_][\w-]*$")
    require_answer: bool = True


class RegexFormat(_Model):
    """The completion matches a user regex (``search``, or ``fullmatch`` when ``full``)."""

    type: Literal["regex"]
    pattern: str = Field(min_length=1, max_length=2000)
    full: bool = False


class LengthFormat(_Model):
    """A length budget: 1.0 within ``budget``, falling linearly to 0.0 at ``hard_limit``."""

    type: Literal["length"]
    unit: Literal["chars", "words"] = "words"
    budget: int = Field(gt=0)
    hard_limit: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> LengthFormat:
        if self.hard_limit is not None and self.hard_limit < self.budget:
            raise ValueError("`hard_limit` must be at least `budget`")
        return self


FormatRule = Annotated[ThinkAnswerFormat | RegexFormat | LengthFormat, Field(discriminator="type")]


class FormatItem(_Model):
    """A reward for the completion's shape rather than its content."""

    kind: Literal["format"]
    id: str | None = Field(default=None, max_length=256)
    completion: str
    rule: FormatRule


class MatchItem(_Model):
    """Short-answer matching against one or several acceptable golds.

    ``choice``: a multiple-choice letter; ``exact``: equal after normalization (case,
    punctuation, articles, whitespace); ``f1``: token F1 against the best gold (reward is F1).
    """

    kind: Literal["match"]
    id: str | None = Field(default=None, max_length=256)
    completion: str
    gold: str | list[str] = Field(min_length=1)
    mode: Literal["choice", "exact", "f1"] = "exact"


class PluginItem(BaseModel):
    """An item for a verifier installed as a plugin (entry point group ``referee.verifiers``).

    Any ``kind`` that is not built in lands here; extra fields pass through to the plugin.
    """

    model_config = ConfigDict(extra="allow", **_CONFIG)
    # Extra fields are JSON values, checked like every free-form field.
    __pydantic_extra__: dict[str, _Json] = Field(init=False)

    kind: str = Field(min_length=1, max_length=128)
    id: str | None = Field(default=None, max_length=256)
    completion: str


BUILTIN_KINDS = frozenset({"math", "code", "ifeval", "format", "match", "composite"})


def _kind_tag(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    if isinstance(kind, str) and kind not in BUILTIN_KINDS:
        return "plugin"
    return kind if isinstance(kind, str) else ""


class Component(_Model):
    """One weighted part of a composite item."""

    weight: float = Field(gt=0, le=MAX_WEIGHT)
    item: SimpleItem


class CompositeItem(_Model):
    """Several judgments of one completion, combined as a weighted mean of their rewards.

    Each component's item is any non-composite kind. Its ``completion`` may be omitted to
    reuse the composite's. ``details["components"]`` carries each component's verdict.
    """

    kind: Literal["composite"]
    id: str | None = Field(default=None, max_length=256)
    completion: str
    components: list[Component] = Field(min_length=1, max_length=16)

    @model_validator(mode="before")
    @classmethod
    def _share_completion(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("components"), list):
            components = []
            for c in data["components"]:
                if isinstance(c, dict) and isinstance(c.get("item"), dict):
                    if c["item"].get("kind") == "composite":
                        raise ValueError("a composite's components cannot be composite")
                    c = {**c, "item": {"completion": data.get("completion"), **c["item"]}}
                components.append(c)
            data = {**data, "components": components}
        return data


_KIND = Discriminator(
    _kind_tag,
    custom_error_type="invalid_kind",
    custom_error_message="`kind` must be a built-in kind (math, code, ...) or a plugin's",
)
_SimpleItems = (
    Annotated[MathItem, Tag("math")]
    | Annotated[CodeItem, Tag("code")]
    | Annotated[IfevalItem, Tag("ifeval")]
    | Annotated[FormatItem, Tag("format")]
    | Annotated[MatchItem, Tag("match")]
    | Annotated[PluginItem, Tag("plugin")]
)
SimpleItem = Annotated[_SimpleItems, _KIND]
Item = Annotated[_SimpleItems | Annotated[CompositeItem, Tag("composite")], _KIND]
# The same set of models, as a plain type for annotations.
AnyItem = MathItem | CodeItem | IfevalItem | FormatItem | MatchItem | CompositeItem | PluginItem
Component.model_rebuild()
CompositeItem.model_rebuild()


class ScoreOptions(_Model):
    """Per-request options. Every field has a default."""

    timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Deadline for the whole request; unanswered items report `timeout`.",
    )
    reward: RewardMode = RewardMode.fraction
    extraction: ExtractionPolicy = Field(
        default=ExtractionPolicy.lenient, description="Where math answers may be found."
    )
    math_rel_tol: float = Field(
        default=1e-9,
        ge=0,
        le=0.1,
        description="Relative tolerance when comparing math answers numerically.",
    )
    stop_on_first_failure: bool = Field(
        default=False, description="Code: skip an item's remaining tests after one fails."
    )


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
    "BUILTIN_KINDS",
    "MAX_ITEMS",
    "MAX_JSON_DEPTH",
    "MAX_TESTS_PER_ITEM",
    "MAX_TEXT_CHARS",
    "MAX_WEIGHT",
    "PROTOCOL_VERSION",
    "AnyItem",
    "CallTest",
    "Checker",
    "CodeItem",
    "CodeLimits",
    "CompareMode",
    "Component",
    "CompositeItem",
    "ExtractionPolicy",
    "FormatItem",
    "FormatRule",
    "IOTest",
    "IfevalItem",
    "Item",
    "ItemResult",
    "Language",
    "LengthFormat",
    "MatchItem",
    "MathItem",
    "OutputCompare",
    "PluginItem",
    "RegexFormat",
    "RewardMode",
    "ScoreOptions",
    "ScoreRequest",
    "ScoreResponse",
    "SimpleItem",
    "Status",
    "TestOutcome",
    "ThinkAnswerFormat",
]
