"""Comparing a program's output with the expected output, in the modes items choose."""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

CompareMode = Literal["whitespace", "exact", "float", "case_insensitive", "unordered_lines"]

# A decimal number as programs print it: no "nan"/"inf"/"1_000", which float() would accept.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _lines(text: str) -> list[list[str]]:
    """Each line's whitespace-separated tokens, CR/CRLF as LF, trailing blank lines dropped."""
    lines = [line.split() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _numbers_close(expected: str, actual: str, abs_tol: float, rel_tol: float) -> bool:
    if not (_NUMBER.fullmatch(expected) and _NUMBER.fullmatch(actual)):
        return expected == actual
    e, a = float(expected), float(actual)
    if e == a:  # also equal infinities from overflowing literals
        return True
    return abs(e - a) <= max(abs_tol, rel_tol * abs(e))


def _tokens_close(expected: str, actual: str, abs_tol: float, rel_tol: float) -> bool:
    e_lines, a_lines = _lines(expected), _lines(actual)
    return len(e_lines) == len(a_lines) and all(
        len(e) == len(a)
        and all(_numbers_close(x, y, abs_tol, rel_tol) for x, y in zip(e, a, strict=True))
        for e, a in zip(e_lines, a_lines, strict=True)
    )


def _line_bag(text: str) -> Counter[str]:
    return Counter(" ".join(tokens) for tokens in _lines(text) if tokens)


def outputs_match(
    expected: str,
    actual: str,
    mode: CompareMode = "whitespace",
    *,
    abs_tol: float = 1e-6,
    rel_tol: float = 1e-6,
) -> bool:
    """Whether ``actual`` output matches ``expected`` under ``mode``.

    * ``whitespace`` (default): the same lines, each the same whitespace-separated tokens.
      Trailing spaces, runs of spaces or tabs, CR/CRLF line ends and trailing blank lines
      do not matter; a different token, a missing or extra line, or a blank line inside the
      output does. Tokens compare as text: ``1.0`` is not ``1``.
    * ``exact``: the same characters, byte for byte.
    * ``float``: like ``whitespace``, but two tokens that are both decimal numbers match when
      ``|e - a| <= max(abs_tol, rel_tol * |e|)`` (``e`` expected); other tokens compare as text.
    * ``case_insensitive``: like ``whitespace``, ignoring case (Unicode casefolding).
    * ``unordered_lines``: the same multiset of non-blank lines, each compared by its tokens,
      in any order (a program printing a set, one element per line).

    Examples:
        >>> outputs_match("1 2\\n3\\n", "1  2 \\n3")
        True
        >>> outputs_match("0.333333\\n", "0.3333333", "float")
        True
        >>> outputs_match("b\\na\\n", "a\\nb", "unordered_lines")
        True

    Raises:
        ValueError: ``mode`` is not one of the modes above.
    """
    if mode == "whitespace":
        return _lines(expected) == _lines(actual)
    if mode == "exact":
        return expected == actual
    if mode == "float":
        return _tokens_close(expected, actual, abs_tol, rel_tol)
    if mode == "case_insensitive":
        return _lines(expected.casefold()) == _lines(actual.casefold())
    if mode == "unordered_lines":
        return _line_bag(expected) == _line_bag(actual)
    raise ValueError(f"unknown compare mode {mode!r}")
