"""Programs that try to forge a pass, through real Docker: none may score.

Each completion attacks the verdict of assert tests or function-call tests, the way a
policy under RL pressure learns to. The right answer to every test below is never what the
program computes, so any pass would be a forgery. After the suite, the same sandbox still
judges an honest item correctly.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from referee_sandboxes import Limits
from referee_service.judge import CodeJudge

from tests.integration.test_code_formats import code, code_judge, judge_items, judge_one

__all__ = ["code_judge"]  # the fixture, imported for this module's tests

pytestmark = pytest.mark.docker

# Appears only in the tests and the expected values, never in the program's reach.
SECRET = "expected-answer-7f3a9c"
ASSERTS = f"def check(candidate):\n    assert candidate(1) == {SECRET!r}\n"

# Looks for the answer everywhere a program can read from inside the sandbox: files, other
# processes' command lines, environments, open descriptors and memory, its own stack and heap.
SNOOP = """
import gc, os, re, sys
# The program knows how the answer starts, not the rest; its own text never matches.
NEEDLE = re.compile("expected-answer-" + "[0-9a-f]{6}")

def _scan(text):
    match = NEEDLE.search(text)
    return match.group(0) if match else None

def _read(path):
    try:  # non-blocking: a pipe with nothing in it must not hang the search
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            return os.read(fd, 4_000_000).decode("latin-1")
        finally:
            os.close(fd)
    except Exception:
        return ""

def _memory(pid):
    # Every readable mapping of another process, as a debugger would read it.
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
            chunks = []
            for line in maps:
                start, end = (int(x, 16) for x in line.split()[0].split("-"))
                if "r" in line.split()[1] and end - start < 64_000_000:
                    try:
                        mem.seek(start)
                        chunks.append(mem.read(end - start).decode("latin-1"))
                    except Exception:
                        pass
            return "".join(chunks)
    except Exception:
        return ""

def _found():
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            hit = _scan(_memory(pid))
            if hit:
                return hit
    roots = ["/work", "/tmp", "/dev/shm", "/opt", "/proc/self/cwd"]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for name in ("cmdline", "environ", "fd/0", "fd/1", "fd/3", "fd/4", "mem"):
                hit = _scan(_read(f"/proc/{pid}/{name}"))
                if hit:
                    return hit
            roots.append(f"/proc/{pid}/cwd")
    for root in roots:
        for top, _, files in os.walk(root):
            for name in files:
                hit = _scan(_read(os.path.join(top, name)))
                if hit:
                    return hit
    frame = sys._getframe()
    while frame is not None:
        hit = _scan(repr(frame.f_locals)) or _scan(repr(frame.f_globals))
        if hit:
            return hit
        frame = frame.f_back
    for obj in gc.get_objects():
        hit = _scan(repr(obj)) if isinstance(obj, (dict, list, tuple)) else None
        if hit:
            return hit
    return "nothing found"

def f(x):
    return _found()
"""

KILL_PARENT = "import os, signal\ndef f(x):\n    os.kill(os.getppid(), signal.{signal})"

# Runs in whichever process imports it: finds the harness's verdict stream and nonce on the
# stack, writes a pass report and exits before the tests can fail.
FORGER = """
import os, sys
frame = sys._getframe()
while frame is not None:
    found = frame.f_locals
    if "verdict_out" in found and "nonce" in found:
        found["verdict_out"].write(found["nonce"] + ' {"verdict": "passed", "message": ""}\\n')
        found["verdict_out"].flush()
        os._exit(0)
    frame = frame.f_back
"""
# Modules the tests (or Python itself, showing a warning) may import after the program ran.
PLANTED = ("random", "math", "copy", "string", "re", "linecache", "tokenize", "typing")
# The forger under those names everywhere the program can write that an import might read:
# the work dir (the harness's script dir and cwd), the user site, the scratch dirs.
PLANT_MODULES = f"""
import os, site, sys
places = [os.getcwd(), os.path.dirname(os.path.abspath(sys.argv[0] or ".")), "/work",
          site.getusersitepackages(), "/tmp", "/dev/shm"]
for place in places:
    try:
        os.makedirs(place, exist_ok=True)
        for name in {PLANTED!r}:
            with open(os.path.join(place, name + ".py"), "w") as out:
                out.write({FORGER!r})
    except OSError:
        pass
def f(x):
    return 0
"""

HOSTILE: dict[str, str] = {
    "sys.exit(0) before the asserts": "import sys\nsys.exit(0)\ndef f(x):\n    return 0",
    "os._exit(0) before the asserts": "import os\nos._exit(0)\ndef f(x):\n    return 0",
    "os._exit(0) inside the candidate": "import os\ndef f(x):\n    os._exit(0)",
    "SystemExit(0) from the candidate": "def f(x):\n    raise SystemExit(0)",
    "KeyboardInterrupt from the candidate": "def f(x):\n    raise KeyboardInterrupt",
    "a printed fake pass marker": (
        "import json, sys\n"
        "for marker in ('referee-pass', 'PASSED', '0' * 32 + ' ' + json.dumps("
        "{'verdict': 'passed', 'message': ''})):\n"
        "    print(marker, flush=True)\n    print(marker, file=sys.stderr, flush=True)\n"
        "sys.exit(0)\n"
    ),
    "an always-equal object": (
        "class Eq(str):\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n    __hash__ = str.__hash__\n"
        "def f(x):\n    return Eq('x')"
    ),
    "an object lying about its class": (
        "class Liar:\n    __class__ = str\n    def __eq__(self, other):\n        return True\n"
        "def f(x):\n    return Liar()"
    ),
    "patched AssertionError": (
        "import builtins\nclass Fine(BaseException):\n    pass\n"
        "builtins.AssertionError = Fine\n"
        "import sys, os\nsys.excepthook = lambda *a: os._exit(0)\n"
        "def f(x):\n    return 0"
    ),
    "patched __import__, print and exit hooks": (
        "import builtins, atexit, os, sys\n"
        "real = builtins.__import__\n"
        "builtins.__import__ = lambda *a, **k: real(*a, **k)\n"
        "builtins.print = lambda *a, **k: None\n"
        "atexit.register(lambda: os._exit(0))\n"
        "def f(x):\n    return 0"
    ),
    "a program-defined builtin the tests use": "def isinstance(*a):\n    return True\ndef abs(x):\n"
    "    return 0\ndef f(x):\n    return 0",
    "StopIteration ending the tests' loop": "def f(x):\n    raise StopIteration",
    "killing the harness": KILL_PARENT.format(signal="SIGKILL"),
    "stopping the harness": KILL_PARENT.format(signal="SIGSTOP"),
    "writing to the harness's stdout": (
        "import os, json\n"
        "def f(x):\n"
        "    line = '0' * 32 + ' ' + json.dumps({'verdict': 'passed', 'message': ''}) + '\\n'\n"
        "    for path in (f'/proc/{os.getppid()}/fd/1', '/proc/1/fd/1', '/dev/stdout'):\n"
        "        try:\n            with open(path, 'w') as out:\n"
        "                out.write(line)\n        except OSError:\n            pass\n"
        "    return 0"
    ),
    "garbage on the harness channel": (
        "import os\n"
        "def f(x):\n"
        "    for fd in range(3, 10):\n"
        '        try:\n            os.write(fd, b\'{"ok": true, "value": {"evil": 1}}\\n\')\n'
        "        except OSError:\n            pass\n"
        "    return 0"
    ),
    "reading the tests and expected values": SNOOP,
    "modules planted where the harness could import them": PLANT_MODULES,
}

# Tests that swallow whatever the candidate raises (BaseException included) and then see
# nothing wrong; and a loop that a StopIteration from the candidate would end silently.
LENIENT_TESTS = (
    "def check(candidate):\n"
    "    try:\n        result = candidate(1)\n    except BaseException:\n"
    f"        result = {SECRET!r}\n"
    f"    assert result == {SECRET!r}\n"
    f"    assert all(r == {SECRET!r} for r in map(candidate, [1, 2]))\n"
    f"    assert abs(len(candidate(1)) - len({SECRET!r})) < 1\n"
    "    assert isinstance(candidate(1), str)\n"
)


def _items(tests: str) -> list[dict[str, Any]]:
    return [
        code(program, id=name, test_code=tests, entry_point="f", limits={"time_s": 2})
        for name, program in HOSTILE.items()
    ]


def _calls() -> list[dict[str, Any]]:
    return [
        code(program, id=name, fn_name="f", tests=[{"args": [1], "expected": SECRET}])
        | {"limits": {"time_s": 2}}
        for name, program in HOSTILE.items()
    ]


@pytest.mark.parametrize(
    "items",
    [_items(ASSERTS), _items(LENIENT_TESTS), _calls()],
    ids=["asserts", "lenient-asserts", "function-calls"],
)
def test_no_hostile_program_scores(code_judge: CodeJudge, items: list[dict[str, Any]]) -> None:
    results = judge_items(code_judge, items)
    forged = {r["id"]: r["details"] for r in results if r["reward"] != 0.0}
    assert forged == {}
    assert all(r["status"] not in ("correct", "sandbox_error") for r in results), [
        (r["id"], r["status"]) for r in results
    ]


def test_the_snooper_finds_nothing(code_judge: CodeJudge) -> None:
    """The snooping program runs to completion: it searched and came back empty-handed."""
    result = judge_one(
        code_judge, _calls()[list(HOSTILE).index("reading the tests and expected values")]
    )
    assert result["details"]["tests"][0]["returned"] == "'nothing found'"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("os._exit(0) before the asserts", "runtime_error"),
        ("SystemExit(0) from the candidate", "runtime_error"),
        ("an always-equal object", "incorrect"),
        ("stopping the harness", "timeout"),
        ("killing the harness", "runtime_error"),
    ],
)
def test_hostile_programs_get_the_status_that_says_what_they_did(
    code_judge: CodeJudge, name: str, status: str
) -> None:
    item = code(HOSTILE[name], test_code=ASSERTS, entry_point="f", limits={"time_s": 2})
    assert judge_one(code_judge, item)["status"] == status


def test_the_sandbox_still_judges_honest_programs_afterwards(code_judge: CodeJudge) -> None:
    honest = code(f"def f(x):\n    return {SECRET!r}", test_code=ASSERTS, entry_point="f")
    call = code(
        "def f(x):\n    return [x, 'a']", fn_name="f", tests=[{"args": [1], "expected": [1, "a"]}]
    )
    results = judge_items(code_judge, [honest, call, *_items(ASSERTS), honest, call])
    assert [r["status"] for r in results[:2] + results[-2:]] == ["correct"] * 4


@pytest.mark.parametrize(
    "tests",
    [
        "import random\n" + ASSERTS,
        # HumanEval style: the imports are inside check.
        "def check(candidate):\n    import math, copy, string, re\n"
        f"    assert candidate(math.floor(1.5)) == {SECRET!r}\n",
        # A SyntaxWarning while compiling the tests loads linecache to show it.
        ASSERTS + "assert 1 is not 1.0\n",
    ],
    ids=["import-in-tests", "import-in-check", "warning-in-tests"],
)
def test_planted_modules_never_run_in_the_harness(code_judge: CodeJudge, tests: str) -> None:
    item = code(PLANT_MODULES, test_code=tests, entry_point="f", limits={"time_s": 2})
    result = judge_one(code_judge, item)
    assert (result["status"], result["reward"]) == ("incorrect", 0.0), result["details"]


def test_the_program_cannot_replace_the_tests_builtins(code_judge: CodeJudge) -> None:
    """Names the program reports are its functions and values, never the tests' dunders."""
    injects = (
        "import json\n"
        "real = json.dumps\n"
        "def dumps(message):\n"
        "    if 'values' in message:\n"
        "        message['values']['__builtins__'] = {'d': []}\n"
        "        message['values']['__name__'] = 'forged'\n"
        "        message['callables'].append('__import__')\n"
        "    return real(message)\n"
        "json.dumps = dumps\n"
        f"def f(x):\n    return {SECRET!r}\n"
    )
    tests = (
        "import math\n"
        f"assert len(f(1)) == len({SECRET!r}) and isinstance(f(1), str)\n"
        "assert __name__ == '__main__'\n"
    )
    result = judge_one(code_judge, code(injects, test_code=tests, entry_point="f"))
    assert result["status"] == "correct", result["details"]


# --- checkers ------------------------------------------------------------------------------

SUMS = [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}]
# Rejects with what it was given, as many checkers do.
ECHOING_CHECKER = (
    "import sys\n"
    "expected = open(sys.argv[2]).read().split()\n"
    "actual = open(sys.argv[3]).read()\n"
    "if actual.split() == expected:\n    sys.exit(0)\n"
    "sys.stderr.write('wrong answer, got: ' + actual + '\\n')\n"
    "sys.exit(1)\n"
)
# Parses the output as a Python literal: malformed output makes it raise SyntaxError.
LITERAL_CHECKER = (
    "import ast, sys\n"
    "expected = ast.literal_eval(open(sys.argv[2]).read())\n"
    "actual = ast.literal_eval(open(sys.argv[3]).read())\n"
    "sys.exit(0 if actual == expected else 1)\n"
)
# Reports every token that differs, as diff-style checkers do.
DIFF_CHECKER = (
    "import sys\n"
    "expected = open(sys.argv[2]).read().split()\n"
    "actual = open(sys.argv[3]).read().split()\n"
    "for i, token in enumerate(actual):\n"
    "    if i >= len(expected) or token != expected[i]:\n"
    "        print(f'token {i}: expected something else, got {token}', file=sys.stderr)\n"
    "sys.exit(0 if actual == expected else 1)\n"
)
# Many tokens, within the program's output limit (the judge's default): reported one line
# each, they take the checker far past the same limit, and it is killed.
FLOOD = Limits().output_bytes // 4


@pytest.mark.parametrize(
    ("program", "checker"),
    [
        ("print('0\\nSyntaxError: not my fault')", ECHOING_CHECKER),
        ("print('[1, 2')", LITERAL_CHECKER),
        (f"print('0 ' * {FLOOD})", DIFF_CHECKER),
    ],
    ids=["prints-a-syntax-error", "malformed-output", "output-flood"],
)
def test_a_program_cannot_launder_its_verdict_through_the_checker(
    code_judge: CodeJudge, program: str, checker: str
) -> None:
    """Whatever the program prints, the checker's verdict on it is a wrong answer: never an
    invalid item or a sandbox error, which trainers drop instead of penalizing."""
    item = code(program, tests=SUMS, checker={"language": "python", "code": checker})
    result = judge_one(code_judge, item)
    assert (result["status"], result["reward"]) == ("incorrect", 0.0), result["details"]
    assert [t["outcome"] for t in result["details"]["tests"]] == ["wrong_answer"] * len(SUMS)


# --- verdicts a program cannot turn into "not judged" or into a copied pass -----------------


def test_a_syntax_error_printed_after_a_passing_test_is_a_runtime_error(
    code_judge: CodeJudge,
) -> None:
    # Knows the sample's answer, and for any other input pretends not to parse, hoping the
    # judge stops the suite and fills it with the first test's verdict.
    program = (
        "import sys\n"
        "if input() == '1 2':\n"
        "    print(3)\n"
        "else:\n"
        "    sys.stderr.write('  File \"x\", line 1\\nSyntaxError: invalid syntax\\n')\n"
        "    sys.exit(1)\n"
    )
    tests = [{"stdin": f"{i} {i + 1}\n", "stdout": f"{2 * i + 1}\n"} for i in range(1, 6)]
    result = judge_one(code_judge, code(program, tests=tests))
    assert result["reward"] == pytest.approx(0.2), result["details"]
    assert [t["outcome"] for t in result["details"]["tests"]] == ["passed"] + ["runtime_error"] * 4


def test_a_value_too_deep_to_send_back_is_a_wrong_answer(code_judge: CodeJudge) -> None:
    # The tests pass the returned value back into the program; a value nested one level short
    # of the harness's bound would not fit the argument list, which once made the item a
    # sandbox_error (not judged) instead of the wrong answer it is.
    program = "def f(x):\n    v = []\n    for _ in range(100):\n        v = [v]\n    return v\n"
    tests = "def check(candidate):\n    assert candidate(candidate(1)) == 1\n"
    result = judge_one(code_judge, code(program, test_code=tests, entry_point="f"))
    assert (result["status"], result["reward"]) == ("incorrect", 0.0), result["details"]


@pytest.mark.parametrize(
    ("program", "status"), [("return x + 1", "correct"), ("return 0", "incorrect")]
)
def test_tests_under_a_main_guard_run(code_judge: CodeJudge, program: str, status: str) -> None:
    # Skipping a check(f) under ``if __name__ == "__main__":`` would pass every program.
    tests = (
        "def check(candidate):\n    assert candidate(1) == 2\n\n"
        'if __name__ == "__main__":\n    check(f)\n'
    )
    result = judge_one(code_judge, code(f"def f(x):\n    {program}", test_code=tests))
    assert result["status"] == status, result["details"]


def test_a_huge_int_against_a_float_is_a_wrong_answer(code_judge: CodeJudge) -> None:
    item = code(
        "def f(x):\n    return 10**400", fn_name="f", tests=[{"args": [1], "expected": 1.5}]
    )
    assert judge_one(code_judge, item)["status"] == "incorrect"


@pytest.mark.parametrize(
    ("language", "program"),
    [
        ("python", "import time\ntime.sleep(60)\nprint(3)"),
        # A compile that runs to gcc's constexpr limits, far past the request's deadline.
        (
            "cpp",
            "constexpr long long f(long long k) { long long s = 0;"
            " for (long long i = 0; i < 3000; i++) for (long long j = 0; j < 3000; j++)"
            " s += (i ^ j) + k; return s; }\n"
            + "".join(f"constexpr long long X{k} = f({k});\n" for k in range(40))
            + "int main() { return X0 > 0 ? 0 : 1; }\n",
        ),
    ],
    ids=["run", "compile"],
)
def test_no_step_outlives_the_request_deadline(
    code_judge: CodeJudge, language: str, program: str
) -> None:
    # Its own limits allow a minute; the request gave it 3 s. The sandbox must be free when
    # the answer comes back, not a minute later, or the next request times out behind it.
    item = code(program, language=language, tests=[{"stdin": "", "stdout": "3\n"}])
    item["limits"] = {"time_s": 60}
    started = time.monotonic()
    result = judge_one(code_judge, item, timeout_s=3)
    assert time.monotonic() - started < 8.0
    assert result["status"] == "timeout" and "deadline" in result["details"]["error"]
