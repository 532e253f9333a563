"""An example Referee verifier plugin: the completion's final line must be a palindrome.

A plugin is a pure function from the request item (a dict: ``kind``, ``completion`` and
any extra fields the caller sent) to a ``Verdict``. Referee runs it in its grading
processes under the per-item time limit; an exception becomes ``internal_error`` for that
item only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referee_verifiers import Verdict


def grade(item: Mapping[str, Any]) -> Verdict:
    """``correct`` when the last non-empty line, letters only and case-folded, reads the
    same both ways and has at least ``min_length`` letters (default 3)."""
    min_length = item.get("min_length", 3)
    if not isinstance(min_length, int) or min_length < 1:
        return Verdict("invalid_input", 0.0, {"error": "min_length: a positive integer"})
    lines = [line for line in str(item["completion"]).splitlines() if line.strip()]
    if not lines:
        return Verdict("no_answer", 0.0, {"error": "empty completion"})
    letters = "".join(c for c in lines[-1].casefold() if c.isalpha())
    ok = len(letters) >= min_length and letters == letters[::-1]
    return Verdict("correct" if ok else "incorrect", float(ok), {"answer": lines[-1][:200]})
