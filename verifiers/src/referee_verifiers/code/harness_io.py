"""The judge's side of the Python test harness (``harness.py``): requests and reports.

The harness runs in the sandbox as the program; its request travels on stdin, so the test
code and the nonce never touch the sandbox's disk. Its report is one stdout line that
starts with the run's nonce; nothing else in the sandbox can write to that stdout.
"""

from __future__ import annotations

import ast
import json
import keyword
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from referee_verifiers.code import harness
from referee_verifiers.code.harness import decode_value
from referee_verifiers.code.syntax import python_syntax_error

# Verdicts a report may carry (see harness.py).
VERDICTS = frozenset(
    {
        harness.PASSED,
        harness.RETURNED,
        harness.WRONG_ANSWER,
        harness.RUNTIME_ERROR,
        harness.COMPILE_ERROR,
        harness.HARNESS_ERROR,
    }
)


@cache
def harness_source() -> str:
    """The harness program's source, run in the sandbox as a Python program."""
    return Path(harness.__file__).read_text(encoding="utf-8")


def _check_name(kind: str, name: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{kind} {name[:50]!r} is not a Python identifier")


def _check_nonce(nonce: str) -> None:
    if len(nonce) < 16 or not nonce.isalnum() or not nonce.isascii():
        raise ValueError("nonce must be at least 16 ASCII letters or digits")


def _check_parses(field: str, source: str) -> None:
    # Trusted text from the trainer; a syntax error is the item's fault.
    error = python_syntax_error(source, field)
    if error is not None:
        raise ValueError(error)


def _uncalled_check(test_code: str) -> bool:
    """Whether ``test_code`` defines a top-level ``check`` and never calls it itself."""
    tree = ast.parse(test_code)
    defines = any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "check"
        for node in tree.body
    )
    calls = any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "check"
        for node in tree.body
        if not (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "check")
        for call in ast.walk(node)
    )
    return defines and not calls


def assert_request(
    program: str,
    test_code: str,
    entry_point: str | None,
    nonce: str,
    prelude: str | None = None,
) -> str:
    """The harness's stdin for assert tests: run ``test_code`` against ``program``.

    ``test_code`` sees the program's top-level functions (as calls into the program's
    process) and values; when it defines ``check`` and ``entry_point`` is given,
    ``check(entry_point)`` runs after it (HumanEval). ``prelude`` (trusted, e.g. the
    prompt's helper functions) runs first in the same namespace; its definitions replace
    the program's, except the entry point's.

    Raises:
        ValueError: ``entry_point`` is not an identifier, ``test_code`` or ``prelude`` does
            not parse, ``test_code`` defines ``check`` that nothing would call (no
            ``entry_point``: every program would pass), or ``nonce`` is too short or not
            alphanumeric.
    """
    if entry_point is not None:
        _check_name("entry_point", entry_point)
    _check_nonce(nonce)
    if prelude is not None:
        _check_parses("prelude", prelude)
    _check_parses("test_code", test_code)
    if entry_point is None and _uncalled_check(test_code):
        raise ValueError(
            "test_code defines check(candidate) but no entry_point names the function to "
            "pass it, so no test would run"
        )
    request = {
        "nonce": nonce,
        "mode": "assert",
        "program": program,
        "prelude": prelude,
        "test_code": test_code,
        "entry_point": entry_point,
    }
    return json.dumps(request)


def call_request(
    program: str, fn_name: str, args: list[Any], kwargs: dict[str, Any], nonce: str
) -> str:
    """The harness's stdin for one function-call test: report ``fn_name(*args, **kwargs)``.

    The expected value is not part of it: it never enters the sandbox.

    Raises:
        ValueError: ``fn_name`` or a keyword is not an identifier, or a bad ``nonce``.
    """
    _check_name("fn_name", fn_name)
    for name in kwargs:
        _check_name("keyword argument", name)
    _check_nonce(nonce)
    request = {
        "nonce": nonce,
        "mode": "call",
        "program": program,
        "fn_name": fn_name,
        "args": args,
        "kwargs": kwargs,
    }
    return json.dumps(request)


@dataclass(frozen=True)
class HarnessReport:
    """What the harness reported: a verdict, a message, and a returned value (call mode)."""

    verdict: str
    message: str = ""
    value: Any = None


def read_report(stdout: str, nonce: str) -> HarnessReport | None:
    """The harness's report in ``stdout``: the last line, starting with ``nonce``.

    None when there is none or it is malformed (the harness was killed or its output cut);
    the caller judges the run by how it ended. A returned value is decoded into builtin
    values only; one that does not decode is no report.
    """
    lines = stdout.rstrip("\n").rsplit("\n", 1)
    prefix = f"{nonce} "
    if not nonce or not lines[-1].startswith(prefix):
        return None
    try:
        report = json.loads(lines[-1][len(prefix) :])
        if type(report) is not dict or report.get("verdict") not in VERDICTS:
            return None
        value = decode_value(report.get("value"))
    except (ValueError, RecursionError):
        return None
    return HarnessReport(str(report["verdict"]), str(report.get("message", "")), value)
