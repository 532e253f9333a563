"""Grade one math completion against its gold answer."""

from __future__ import annotations

import time
from typing import Any

from referee_verifiers.math.compare import compare
from referee_verifiers.math.extract import extract_answer
from referee_verifiers.verdict import Verdict

# Answers echoed in details are cut to this many characters.
DETAIL_CHARS = 200
# Error messages in details are cut to this many characters.
ERROR_CHARS = 200


def grade(completion: str, gold: str) -> Verdict:
    """Extract the completion's final answer and compare it with ``gold``. Never raises.

    Returns a ``Verdict`` with status ``correct`` (reward 1.0), ``incorrect``, ``no_answer``
    or ``internal_error`` (reward 0.0). ``details`` holds ``extracted`` (at most 200
    characters), ``rule`` (``string``, ``numeric``, ``symbolic``) and ``time_s``; an
    internal error holds ``error`` instead: the exception's type and a short message.

    ``grade`` has no deadline of its own: run it through ``IsolatedPool`` or
    ``grade_with_deadline`` when the input is untrusted.
    """
    started = time.perf_counter()
    try:
        answer = extract_answer(completion)
        if answer is None:
            return Verdict("no_answer", 0.0, {"extracted": None, "rule": None})
        equal, rule = compare(gold, answer)
    except Exception as exc:  # a grader bug is this item's verdict, not the batch's failure
        message = str(exc.args[0])[:ERROR_CHARS] if exc.args else ""
        return Verdict("internal_error", 0.0, {"error": f"{type(exc).__name__}: {message}"})
    details: dict[str, Any] = {
        "extracted": answer[:DETAIL_CHARS],
        "rule": rule,
        "time_s": round(time.perf_counter() - started, 4),
    }
    return Verdict("correct" if equal else "incorrect", 1.0 if equal else 0.0, details)
