"""Code items: finding the program, comparing outputs, wrapping assert tests."""

from __future__ import annotations

import pytest
from referee_verifiers.code import (
    assert_passed,
    build_assert_program,
    extract_program,
    outputs_match,
)


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("Here:\n```python\nprint(1)\n```\nDone.", "print(1)"),
        ("```py\nx = 1\n```", "x = 1"),
        ("```\nbare()\n```", "bare()"),
        ("~~~python\ntilde()\n~~~", "tilde()"),
        ("```python title='a.py'\ntagged()\n```", "tagged()"),
        ("```python\nfirst()\n```\ntext\n```python\nsecond()\n```\n", "second()"),
        ("```python\nfirst()\n```\nthen\n```python\ncut_off()\n", "cut_off()"),
        ("````\nhas ``` inside\n````", "has ``` inside"),
        ("1. do it:\n   ```python\n   def f():\n       return 1\n   ```", "def f():\n    return 1"),
        ("```python\ndef f():\n    return 1\n```", "def f():\n    return 1"),
        ("```python\nreal()\n```\n```\n\n```", "real()"),
        ("def f():\n    return 2\n", "def f():\n    return 2"),
        ("", None),
        ("  \n\n ", None),
        ("```python\n```", None),
    ],
)
def test_extract_program(completion: str, expected: str | None) -> None:
    assert extract_program(completion) == expected


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        ("1\n2\n", "1\n2", True),
        ("1\n2", "1\n2\n\n\n", True),
        ("a b\n", "a b   \n", True),
        ("a b\n", "a \t  b\n", True),
        ("1\r\n2\r\n", "1\n2\n", True),
        ("", "", True),
        ("1\n", "2\n", False),
        ("1\n", "1\n2\n", False),
        ("1\n2\n", "1\n", False),
        ("1\n2\n", "1\n\n2\n", False),
        ("ab\n", "a b\n", False),
        ("1.0\n", "1\n", False),
    ],
)
def test_outputs_match(expected: str, actual: str, match: bool) -> None:
    assert outputs_match(expected, actual) is match


NONCE = "referee-pass-3f9c1e"


def test_assert_program_runs_check_on_the_entry_point_then_prints_the_nonce() -> None:
    source = build_assert_program(
        "def add(a, b):\n    return a + b",
        "def check(candidate):\n    assert candidate(1, 2) == 3",
        "add",
        NONCE,
    )
    lines = source.rstrip().splitlines()
    assert lines[-1] == f"print({NONCE!r}, flush=True)"
    assert "check(add)" in lines
    compile(source, "<test>", "exec")


def test_assert_program_without_check_calls_nothing_extra() -> None:
    source = build_assert_program("x = 1", "assert x == 1", "x", NONCE)
    assert "check(x)" not in source
    assert source.rstrip().endswith(f"print({NONCE!r}, flush=True)")


@pytest.mark.parametrize("entry_point", ["not an identifier", "f()", "class", ""])
def test_assert_program_rejects_a_bad_entry_point(entry_point: str) -> None:
    with pytest.raises(ValueError, match="entry_point"):
        build_assert_program("x = 1", "", entry_point, NONCE)


@pytest.mark.parametrize("nonce", ["", "two\nlines", " padded "])
def test_assert_program_rejects_a_bad_nonce(nonce: str) -> None:
    with pytest.raises(ValueError, match="nonce"):
        build_assert_program("x = 1", "", None, nonce)


@pytest.mark.parametrize(
    ("stdout", "passed"),
    [
        (f"debug\n{NONCE}\n", True),
        (f"{NONCE}\n\n  \n", True),
        ("", False),
        ("debug\n", False),
        (f"{NONCE}\nprinted after\n", False),
        (f"{NONCE}x\n", False),
    ],
)
def test_assert_passed(stdout: str, passed: bool) -> None:
    assert assert_passed(stdout, NONCE) is passed


def test_exit_zero_before_tests_is_not_a_pass() -> None:
    """The program exits 0 before any assert ran: no nonce line, no pass."""
    source = build_assert_program(
        "import sys\nprint('ok')\nsys.exit(0)", "assert False", None, NONCE
    )
    namespace: dict[str, object] = {}
    printed: list[str] = []
    namespace["print"] = lambda *args, **kwargs: printed.append(" ".join(map(str, args)))
    with pytest.raises(SystemExit):
        exec(compile(source, "<program>", "exec"), namespace)  # trusted test input only
    assert not assert_passed("\n".join(printed), NONCE)
