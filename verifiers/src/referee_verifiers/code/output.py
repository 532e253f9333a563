"""Comparing a program's output with the expected output."""

from __future__ import annotations


def _tokens(text: str) -> list[list[str]]:
    lines = [line.split() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def outputs_match(expected: str, actual: str) -> bool:
    """Whitespace-tolerant equality: the same lines, each the same whitespace-separated tokens.

    Each line is split on runs of whitespace and the token lists compared, so trailing
    spaces, runs of spaces or tabs inside a line and CR/CRLF line ends do not matter, nor
    do trailing blank lines. A different token, a missing line, an extra non-blank line or
    a blank line inside the output does. Tokens compare as text: ``1.0`` is not ``1``.

    Examples:
        >>> outputs_match("1 2\\n3\\n", "1  2 \\n3")
        True
        >>> outputs_match("1\\n", "1\\n2\\n")
        False
    """
    return _tokens(expected) == _tokens(actual)
