"""Assert-style tests (HumanEval, MBPP): the program, then the asserts, then a pass line.

The pass line is a nonce printed only after every assert ran, so a program that exits
with status 0 before the asserts (``sys.exit(0)``) does not pass. This is a first layer
of defence only: a program can still read its own source (where the nonce is), patch
``print`` or ``AssertionError``, or return objects whose ``__eq__`` is always True.
Keeping the verdict out of the program's reach is a later issue (the sandbox runner).
"""

from __future__ import annotations

import keyword
import re

# HumanEval's test code defines ``def check(candidate):`` and expects a call.
_DEFINES_CHECK = re.compile(r"^\s*def\s+check\s*\(", re.MULTILINE)


def build_assert_program(program: str, test_code: str, entry_point: str | None, nonce: str) -> str:
    """One Python source: ``program``, ``test_code``, ``check(entry_point)`` when the tests
    define ``check`` (HumanEval), then a line printing ``nonce`` as the last output line.

    Raises:
        ValueError: ``entry_point`` is not a Python identifier, or ``nonce`` is empty or
            not a single line.
    """
    if entry_point is not None and (
        not entry_point.isidentifier() or keyword.iskeyword(entry_point)
    ):
        raise ValueError(f"entry_point {entry_point[:50]!r} is not a Python identifier")
    if not nonce.strip() or nonce != nonce.strip() or "\n" in nonce or "\r" in nonce:
        raise ValueError("nonce must be one non-blank line without surrounding spaces")
    parts = [program, "", test_code]
    if entry_point is not None and _DEFINES_CHECK.search(test_code):
        parts += ["", f"check({entry_point})"]
    parts += ["", f"print({nonce!r}, flush=True)", ""]
    return "\n".join(parts)


def assert_passed(stdout: str, nonce: str) -> bool:
    """Whether the last non-blank line of ``stdout`` is exactly the nonce."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    return bool(lines) and lines[-1].strip() == nonce
