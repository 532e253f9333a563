"""Every code test format judged through real Docker: stdin/stdout with each compare mode,
assert tests, function-call tests, checkers, per-item limits, stop at first failure.

``judge_items`` here is shared with the other test_code_* modules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from referee_client.protocol import ScoreRequest
from referee_sandboxes import DockerBackend, Limits, RunSpec, SandboxBackend
from referee_service.jobs import Job, JobResult, now_epoch_ms, plan_jobs
from referee_service.judge import CodeJudge, Judge, MathJudge, SimpleJudge
from referee_verifiers import IsolatedPool

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def code_judge(docker_backend: DockerBackend) -> Iterator[CodeJudge]:
    # The session's backend is shared: the judge must not close it.
    yield CodeJudge(docker_backend, limits=Limits(wall_time_s=5.0), concurrency=4)


def judge_items(
    judge: CodeJudge, items: list[dict[str, Any]], **options: Any
) -> list[dict[str, Any]]:
    """Score ``items`` as one request through ``judge``; results in item order. The
    deadline is ``options["timeout_s"]`` away, as the service sets it (else 600 s)."""
    request = ScoreRequest.model_validate({"items": items, "options": options})
    deadline_ms = now_epoch_ms() + int(options.get("timeout_s", 600) * 1000)
    jobs = plan_jobs(request, "it", deadline_ms, math_group_size=8)

    async def run() -> list[dict[str, Any]]:
        done = await asyncio.gather(*(judge.judge(job) for job in jobs))
        results = sorted((r for batch in done for r in batch), key=lambda r: r.index)
        return [r.result.model_dump(mode="json") for r in results]

    return asyncio.run(run())


def judge_one(judge: CodeJudge, item: dict[str, Any], **options: Any) -> dict[str, Any]:
    (result,) = judge_items(judge, [item], **options)
    return result


def outcomes(result: dict[str, Any]) -> list[str]:
    return [t["outcome"] for t in result["details"].get("tests", [])]


def code(completion: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "code", "completion": completion, **fields}


# --- stdin/stdout --------------------------------------------------------------------------

MEAN = "nums = list(map(float, input().split()))\nprint(sum(nums) / len(nums))"


@pytest.mark.parametrize(
    ("program", "stdout", "compare", "status"),
    [
        (MEAN, "0.333333", {"mode": "float"}, "correct"),  # prints 0.3333333333333333
        (MEAN, "0.333333", {"mode": "whitespace"}, "incorrect"),
        (MEAN, "0.33", {"mode": "float", "abs_tol": 0.01}, "correct"),
        ("print('Yes')", "YES", {"mode": "case_insensitive"}, "correct"),
        ("print('Yes')", "YES", {"mode": "whitespace"}, "incorrect"),
        ("print('b'); print('a')", "a\nb\n", {"mode": "unordered_lines"}, "correct"),
        ("print('b'); print('b')", "a\nb\n", {"mode": "unordered_lines"}, "incorrect"),
        ("print('x', end='')", "x", {"mode": "exact"}, "correct"),
        ("print('x')", "x", {"mode": "exact"}, "incorrect"),
    ],
)
def test_stdin_stdout_compare_modes(
    code_judge: CodeJudge, program: str, stdout: str, compare: dict[str, Any], status: str
) -> None:
    item = code(program, tests=[{"stdin": "0 0 1\n", "stdout": stdout}], compare=compare)
    assert judge_one(code_judge, item)["status"] == status


def test_each_test_gets_its_own_verdict(code_judge: CodeJudge) -> None:
    program = (
        "n = int(input())\n"
        "if n == 1: print(2)\n"
        "elif n == 2: print('wrong')\n"
        "elif n == 3: 1 / 0\n"
        "elif n == 4:\n    while True: pass\n"
        "elif n == 5: print('x' * 2_000_000)\n"
        "elif n == 6: import os; os.kill(os.getpid(), 11)\n"
    )
    tests = [{"stdin": f"{n}\n", "stdout": "2\n"} for n in range(1, 7)]
    result = judge_one(code_judge, code(program, tests=tests, limits={"time_s": 1}))
    assert outcomes(result) == [
        "passed",
        "wrong_answer",
        "runtime_error",
        "time_limit",
        "output_limit",
        "runtime_error",
    ]
    assert (result["status"], result["reward"]) == ("incorrect", pytest.approx(1 / 6))
    crashed = result["details"]["tests"]
    assert crashed[2]["exit_code"] == 1 and "ZeroDivisionError" in crashed[2]["stderr"]
    assert crashed[5]["signal"] == 11


def test_stop_on_first_failure_skips_after_the_first_failure(code_judge: CodeJudge) -> None:
    tests = [{"stdin": f"{n}\n", "stdout": f"{n}\n"} for n in (1, 2, 3)]
    program = "n = int(input())\nprint(n if n != 2 else -1)"
    stopped = judge_one(code_judge, code(program, tests=tests), stop_on_first_failure=True)
    assert outcomes(stopped) == ["passed", "wrong_answer", "skipped"]
    assert outcomes(judge_one(code_judge, code(program, tests=tests))) == [
        "passed",
        "wrong_answer",
        "passed",
    ]


def test_item_time_limit_overrides_the_default(code_judge: CodeJudge) -> None:
    item = code("import time\ntime.sleep(2)\nprint(1)", tests=[{"stdout": "1"}])
    assert judge_one(code_judge, item)["status"] == "correct"  # default 5 s
    limited = judge_one(code_judge, {**item, "limits": {"time_s": 0.5}})
    assert limited["status"] == "timeout"
    assert limited["details"]["tests"][0]["time_s"] < 2


def test_item_memory_limit_overrides_the_default(code_judge: CodeJudge) -> None:
    item = code("x = bytearray(150 * 1024 * 1024)\nprint(len(x) > 0)", tests=[{"stdout": "True"}])
    assert judge_one(code_judge, item)["status"] == "correct"  # default 256 MB
    limited = judge_one(code_judge, {**item, "limits": {"memory_mb": 64}})
    # CPython reports MemoryError when the allocation fails, or the cgroup kills it.
    assert limited["status"] in ("memory_limit", "runtime_error")
    assert limited["reward"] == 0.0


@pytest.mark.parametrize(
    "item",
    [
        code("print(1", tests=[{"stdout": "1"}]),
        code("def f(:\n    pass", test_code="assert f()", entry_point="f"),
        code("def f(:\n    pass", fn_name="f", tests=[{"args": [], "expected": 1}]),
    ],
    ids=["stdin", "asserts", "calls"],
)
def test_a_python_program_that_does_not_parse_is_a_compile_error(
    code_judge: CodeJudge, item: dict[str, Any]
) -> None:
    result = judge_one(code_judge, item)
    assert (result["status"], result["reward"]) == ("compile_error", 0.0)


# --- assert tests --------------------------------------------------------------------------

HUMANEVAL_STYLE = code(
    "def add(a, b):\n    return a + b",
    test_code=(
        "METADATA = {}\n\ndef check(candidate):\n"
        "    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
    ),
    entry_point="add",
)


def test_humaneval_style_check_runs_against_the_entry_point(code_judge: CodeJudge) -> None:
    assert judge_one(code_judge, HUMANEVAL_STYLE)["status"] == "correct"
    wrong = {**HUMANEVAL_STYLE, "completion": "def add(a, b):\n    return a - b"}
    result = judge_one(code_judge, wrong)
    assert (result["status"], outcomes(result)) == ("incorrect", ["wrong_answer"])
    assert "tests line 4" in result["details"]["tests"][0]["message"]


def test_mbpp_style_asserts_call_the_function_by_name(code_judge: CodeJudge) -> None:
    item = code(
        "import math\n\ndef hyp(a, b):\n    return math.sqrt(a * a + b * b)\n",
        test_code="assert hyp(3, 4) == 5.0\nassert isinstance(hyp(1, 1), float)\n",
    )
    assert judge_one(code_judge, item)["status"] == "correct"


def test_the_tests_see_the_programs_helpers_and_values(code_judge: CodeJudge) -> None:
    # HumanEval/38 and /50 test with a helper the prompt defines (encode_cyclic).
    item = code(
        "SHIFT = 3\n\ndef encode(s):\n    return ''.join(chr(ord(c) + SHIFT) for c in s)\n\n"
        "def decode(s):\n    return ''.join(chr(ord(c) - SHIFT) for c in s)\n",
        test_code=(
            "def check(candidate):\n    assert SHIFT == 3\n"
            "    for word in ['abc', 'xyz']:\n        assert candidate(encode(word)) == word\n"
        ),
        entry_point="decode",
    )
    assert judge_one(code_judge, item)["status"] == "correct"


# A prompt with a helper the tests use and the stub the program implements (HumanEval/32).
PROMPT = (
    "def poly(xs, x):\n    return sum(c * x**i for i, c in enumerate(xs))\n\n"
    'def find_zero(xs):\n    """A zero of the linear polynomial xs."""\n'
)
POLY_TESTS = "def check(candidate):\n    assert abs(poly([2, 4], candidate([2, 4]))) < 1e-9\n"


def test_the_prelude_defines_the_helpers_the_tests_use(code_judge: CodeJudge) -> None:
    honest = code(
        PROMPT + "    return -xs[0] / xs[1]\n",
        prelude=PROMPT,
        test_code=POLY_TESTS,
        entry_point="find_zero",
    )
    assert judge_one(code_judge, honest)["status"] == "correct"
    # Redefining the helper the tests judge with: the prelude's own definition is used.
    hack = {
        **honest,
        "completion": "def poly(xs, x):\n    return 0\n\ndef find_zero(xs):\n    return 0.0\n",
    }
    result = judge_one(code_judge, hack)
    assert (result["status"], result["reward"]) == ("incorrect", 0.0)
    # Without test_code the prelude has nothing to serve: the item says which field is wrong.
    alone = code("print(1)", prelude=PROMPT, tests=[{"stdout": "1"}])
    assert judge_one(code_judge, alone)["details"]["error"].startswith("prelude")


def test_the_tests_can_expect_an_exception_from_the_candidate(code_judge: CodeJudge) -> None:
    item = code(
        "class Oops(Exception):\n    pass\n\n"
        "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n"
        "    if x == 0:\n        raise Oops()\n    return x\n",
        test_code=(
            "try:\n    f(-1)\nexcept ValueError as e:\n    assert 'negative' in str(e)\n"
            "else:\n    assert False\n"
            "try:\n    f(0)\nexcept Exception:\n    pass\nelse:\n    assert False\n"
            "assert f(2) == 2\n"
        ),
    )
    assert judge_one(code_judge, item)["status"] == "correct"


def test_an_exception_the_tests_do_not_expect_is_a_runtime_error(code_judge: CodeJudge) -> None:
    item = code("def f(x):\n    return x[5]", test_code="assert f([1]) == 1", entry_point="f")
    result = judge_one(code_judge, item)
    assert result["status"] == "runtime_error"
    assert "IndexError" in result["details"]["tests"][0]["message"]


def test_a_missing_entry_point_is_a_runtime_error(code_judge: CodeJudge) -> None:
    item = code("def g():\n    return 1", test_code="assert True", entry_point="f")
    assert judge_one(code_judge, item)["status"] == "runtime_error"


def test_the_programs_prints_do_not_disturb_the_verdict(code_judge: CodeJudge) -> None:
    item = code(
        "print('loading')\n\ndef f():\n    print('called')\n    return 1\n",
        test_code="assert f() == 1",
    )
    result = judge_one(code_judge, item)
    assert result["status"] == "correct"


# --- the request deadline ------------------------------------------------------------------


def test_the_sandbox_is_free_soon_after_the_request_deadline(
    docker_backend: DockerBackend,
) -> None:
    """An item whose tests outlast the request frees its sandbox thread at the deadline.

    The worker stops waiting at the deadline, but the sandbox thread would go on through
    every remaining test (30 here, each a full second): the next request, queued behind
    it on the single thread, would wait that long.
    """
    pool = IsolatedPool(max_workers=1)
    sandbox = CodeJudge(docker_backend, limits=Limits(wall_time_s=5.0), concurrency=1)
    judge = Judge(MathJudge(pool, timeout_s=5), sandbox, SimpleJudge(pool, timeout_s=5))
    looping = code("while True:\n    pass", tests=[{"stdout": "1"}] * 30, limits={"time_s": 1})
    honest = code("print(1)", tests=[{"stdout": "1"}])

    def job(item: dict[str, Any], deadline_s: float) -> Job:
        request = ScoreRequest.model_validate({"items": [item]})
        deadline_ms = now_epoch_ms() + int(deadline_s * 1000)
        (planned,) = plan_jobs(request, "deadline", deadline_ms, math_group_size=8)
        return planned

    async def run() -> tuple[JobResult, JobResult, float]:
        late = await judge.run(job(looping, 2.0))
        started = time.monotonic()
        next_one = await judge.run(job(honest, 60.0))
        return late, next_one, time.monotonic() - started

    try:
        late, next_one, waited_s = asyncio.run(run())
    finally:
        pool.close()  # not judge.close(): the session's sandbox backend serves other tests
    assert late.results[0].result.status == "timeout"
    assert next_one.results[0].result.status == "correct"
    # At most the test running at the deadline (1 s) is left; the rest (28 s) never start.
    assert waited_s < 15, waited_s


def calls(completion: str, fn_name: str, *tests: tuple[list[Any], Any], **fields: Any) -> Any:
    return code(
        completion,
        fn_name=fn_name,
        tests=[{"args": args, "expected": expected} for args, expected in tests],
        **fields,
    )


def test_function_call_tests_compare_return_values(code_judge: CodeJudge) -> None:
    item = calls(
        "def two_sum(nums, target):\n"
        "    seen = {}\n"
        "    for i, n in enumerate(nums):\n"
        "        if target - n in seen:\n"
        "            return [seen[target - n], i]\n"
        "        seen[n] = i\n",
        "two_sum",
        ([[2, 7, 11, 15], 9], [0, 1]),
        ([[3, 2, 4], 6], [1, 2]),
        ([[3, 3], 6], [0, 2]),  # wrong expectation: the function is right, the test fails
    )
    result = judge_one(code_judge, item)
    assert outcomes(result) == ["passed", "passed", "wrong_answer"]
    assert result["details"]["tests"][2]["returned"] == "[0, 1]"


@pytest.mark.parametrize(
    ("body", "expected", "outcome"),
    [
        ("return (1, 'a')", [1, "a"], "passed"),  # a tuple for a JSON array
        ("return {'k': [1.5, None]}", {"k": [1.5, None]}, "passed"),
        ("return True", 1, "wrong_answer"),  # a bool is not an int
        ("return 1", True, "wrong_answer"),
        ("return '1'", 1, "wrong_answer"),
        ("return {1: 'a'}", {"1": "a"}, "wrong_answer"),  # int keys are not string keys
        ("return 1", 1.0, "passed"),
        ("return 0.1 + 0.2", 0.3, "wrong_answer"),  # exact without a float compare mode
    ],
)
def test_return_values_compare_with_strict_types(
    code_judge: CodeJudge, body: str, expected: Any, outcome: str
) -> None:
    item = calls(f"def f():\n    {body}", "f", ([], expected))
    assert outcomes(judge_one(code_judge, item)) == [outcome]


def test_float_mode_gives_return_values_a_tolerance(code_judge: CodeJudge) -> None:
    item = calls("def f():\n    return 0.1 + 0.2", "f", ([], 0.3), compare={"mode": "float"})
    assert judge_one(code_judge, item)["status"] == "correct"


def test_keyword_arguments_and_leetcode_style_solution_classes(code_judge: CodeJudge) -> None:
    item = code(
        "class Solution:\n"
        "    def scale(self, xs, factor=1):\n"
        "        return [x * factor for x in xs]\n",
        fn_name="scale",
        tests=[{"args": [[1, 2]], "kwargs": {"factor": 3}, "expected": [3, 6]}],
    )
    assert judge_one(code_judge, item)["status"] == "correct"


@pytest.mark.parametrize(
    ("completion", "outcome"),
    [
        ("def g():\n    return 1", "runtime_error"),  # no such function
        ("def f():\n    raise KeyError('k')", "runtime_error"),
        ("def f():\n    return object()", "wrong_answer"),  # not plain data
        ("def f():\n    return (x for x in [1])", "wrong_answer"),
        ("def f():\n    while True:\n        pass", "time_limit"),
    ],
)
def test_call_tests_that_fail_say_how(code_judge: CodeJudge, completion: str, outcome: str) -> None:
    item = calls(completion, "f", ([], [1]), limits={"time_s": 1})
    assert outcomes(judge_one(code_judge, item)) == [outcome]


# --- checker programs ----------------------------------------------------------------------

# Accepts any pair of numbers that sums to the input (many answers are right).
SUM_CHECKER = """
import sys
target = int(open(sys.argv[1]).read())
expected = open(sys.argv[2]).read().split()
try:
    a, b = map(int, open(sys.argv[3]).read().split())
except ValueError:
    sys.exit(1)
sys.exit(0 if a + b == target and len(expected) == 2 else 1)
"""


def _writes_files(backend: SandboxBackend) -> bool:
    spec = RunSpec(
        "python",
        "import sys\nprint(open(sys.argv[1]).read())",
        files={"probe.txt": "probe-ok"},
        args=("probe.txt",),
    )
    return "probe-ok" in backend.run(spec).stdout


def test_a_checker_judges_outputs_with_many_right_answers(
    code_judge: CodeJudge, docker_backend: DockerBackend
) -> None:
    if not _writes_files(docker_backend):
        pytest.skip("this DockerBackend does not pass RunSpec.files/args to the program yet")
    tests = [{"stdin": f"{n}\n", "stdout": f"0 {n}\n"} for n in (5, 10)]
    checker = {"language": "python", "code": SUM_CHECKER}
    split = code("n = int(input())\nprint(1, n - 1)", tests=tests, checker=checker)
    assert judge_one(code_judge, split)["status"] == "correct"
    wrong = code("n = int(input())\nprint(1, n)", tests=tests, checker=checker)
    result = judge_one(code_judge, wrong)
    assert (result["status"], outcomes(result)) == ("incorrect", ["wrong_answer"] * 2)
    broken = {**split, "checker": {"language": "python", "code": "import sys\nsys.exit(("}}
    assert judge_one(code_judge, broken)["status"] == "invalid_input"
