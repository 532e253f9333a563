"""Code items: finding the program and comparing outputs in every compare mode."""

from __future__ import annotations

import pytest
from referee_verifiers.code import CompareMode, extract_program, outputs_match


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
def test_whitespace_mode_is_the_default(expected: str, actual: str, match: bool) -> None:
    assert outputs_match(expected, actual) is match
    assert outputs_match(expected, actual, "whitespace") is match


@pytest.mark.parametrize(
    ("mode", "expected", "actual", "match"),
    [
        ("exact", "1 2\n", "1 2\n", True),
        ("exact", "1 2\n", "1 2", False),
        ("exact", "1 2\n", "1  2\n", False),
        ("exact", "a\r\n", "a\n", False),
        ("float", "0.333333\n", "0.3333333\n", True),  # within abs_tol 1e-6
        ("float", "0.3333\n", "0.3334\n", False),
        ("float", "1e9\n", "1000000000.5\n", True),  # within rel_tol 1e-6
        ("float", "2\n", "2.0000000001\n", True),
        ("float", "x 1.5\n", "x  1.5000001", True),  # text tokens still compare as text
        ("float", "x 1.5\n", "y 1.5", False),
        ("float", "1.5\n", "1.5 0\n", False),  # token count matters
        ("float", "1.5\n2\n", "1.5 2\n", False),  # so do lines
        ("float", "nan\n", "nan\n", True),  # not numbers: equal as text
        ("float", "inf\n", "1e999\n", False),
        ("float", "1e999\n", "1e999\n", True),
        (
            "float",
            "1_000\n",
            "1000\n",
            False,
        ),  # float() would accept 1_000, programs do not print it
        ("case_insensitive", "YES\n", "yes", True),
        ("case_insensitive", "Straße\n", "STRASSE\n", True),
        ("case_insensitive", "YES\n", "no\n", False),
        ("case_insensitive", "YES\n", "Y E S\n", False),
        ("unordered_lines", "a\nb\nc\n", "c\na\nb", True),
        ("unordered_lines", "a 1\nb\n", "b\n\na  1\n", True),  # blank lines and spacing ignored
        ("unordered_lines", "a\na\nb\n", "a\nb\nb\n", False),  # a multiset, not a set
        ("unordered_lines", "a\nb\n", "a\n", False),
        ("unordered_lines", "a b\n", "b a\n", False),  # tokens within a line keep their order
    ],
)
def test_compare_modes(mode: CompareMode, expected: str, actual: str, match: bool) -> None:
    assert outputs_match(expected, actual, mode) is match


def test_float_tolerances_are_the_callers() -> None:
    assert not outputs_match("1.0\n", "1.01\n", "float")
    assert outputs_match("1.0\n", "1.01\n", "float", abs_tol=0.02)
    assert outputs_match("100\n", "101\n", "float", abs_tol=0, rel_tol=0.01)
    assert not outputs_match("100\n", "101\n", "float", abs_tol=0, rel_tol=0.001)


def test_an_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="compare mode"):
        outputs_match("1", "1", "fuzzy")  # type: ignore[arg-type]
