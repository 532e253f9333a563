"""Grade math completions against a gold answer, one at a time or a GRPO group at a time.

``prepare_gold`` parses a gold once (cached); ``grade_prepared`` grades a completion
against it; ``grade`` does both. Parsed answers and comparisons are cached too, so the
G completions of a GRPO group pay for each distinct answer once.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from referee_verifiers.math._normalize import normalize, string_key
from referee_verifiers.math._parse import Answer, as_number, parse_answer
from referee_verifiers.math.compare import DEFAULT_REL_TOL, compare_cached
from referee_verifiers.math.extract import Extraction, Policy, extract, last_boxed
from referee_verifiers.verdict import Verdict

# Answers echoed in details are cut to this many characters.
DETAIL_CHARS = 200
# Error messages in details are cut to this many characters.
ERROR_CHARS = 200
_POLICIES = ("lenient", "strict")
_COLLECTIONS = frozenset({"set", "tuple", "list", "interval", "matrix"})


@dataclass(frozen=True)
class PreparedGold:
    """A gold answer parsed once: its normalized text and structure.

    ``answer`` is None when the gold is empty after normalization (nothing can match it).
    """

    gold: str
    normalized: str
    answer: Answer | None

    @property
    def is_choice(self) -> bool:
        return self.answer is not None and self.answer.kind == "choice"


@lru_cache(maxsize=4096)
def prepare_gold(gold: str) -> PreparedGold:
    """Parse ``gold`` (LaTeX or plain text; a ``\\boxed{}`` in it is unwrapped) once.

    Examples:
        >>> prepare_gold(r"$\\{1, 2\\}$").answer.kind
        'set'
    """
    boxed = last_boxed(gold)
    normalized = normalize(boxed if boxed else gold)
    return PreparedGold(gold, normalized, parse_answer(normalized) if normalized else None)


# Golds ``prepare_gold_cheap`` takes: short, and made only of numbers, letters, brackets,
# fractions, roots, pi, infinity and small integer exponents (``7x^2+224x``). Without
# factorials, towers of powers, sums or products nothing in them reaches sympy's slow paths.
_CHEAP_GOLD = re.compile(
    r"(?:[\d.,/ ()\[\]{}+\-=<>%°A-Za-z]|\^(?:\d|\{-?\d{1,2}\})"
    r"|\\(?:frac|sqrt|pi|infty|cup|le|ge)(?![A-Za-z])|\\[{}])+"
)
CHEAP_GOLD_CHARS = 64


def prepare_gold_cheap(gold: str) -> PreparedGold | None:
    """``prepare_gold`` when the gold is a plain number, a choice letter or a word, else
    None: a gold like ``9!!!!`` must be parsed under a deadline, not in the caller's
    process, so ``grade_cheap``'s callers use this to stay hang-free.
    """
    boxed = last_boxed(gold)
    normalized = normalize(boxed if boxed else gold)
    if len(normalized) > CHEAP_GOLD_CHARS or not _CHEAP_GOLD.fullmatch(normalized):
        return None
    return prepare_gold(gold)


def _check_options(policy: str, rel_tol: float) -> None:
    if policy not in _POLICIES:
        raise ValueError(f"policy must be 'lenient' or 'strict', not {policy!r}")
    if not 0 <= rel_tol <= 0.1:
        raise ValueError(f"rel_tol must be within [0, 0.1], not {rel_tol}")


def _details(
    extraction: Extraction, prepared: PreparedGold, rule: str | None, started: float, **more: Any
) -> dict[str, Any]:
    answer = extraction.answer
    return {
        "extracted": answer[:DETAIL_CHARS] if answer is not None else None,
        "source": extraction.source,
        "gold_normalized": prepared.normalized[:DETAIL_CHARS],
        "rule": rule,
        **more,
        "time_s": round(time.perf_counter() - started, 6),
    }


def _answer_of(extraction: Extraction, rel_tol: float) -> Answer:
    if len(extraction.parts) == 1:
        return parse_answer(extraction.parts[0])
    # "\boxed{12} or \boxed{12.0}" says one thing twice: only different answers hedge.
    items: list[Answer] = []
    for part in extraction.parts:
        item = parse_answer(part)
        if not any(compare_cached(kept, item, rel_tol)[0] for kept in items):
            items.append(item)
    if len(items) == 1:
        return items[0]
    return Answer(", ".join(item.text for item in items), "list", items=tuple(items))


def _is_hedge(gold: Answer, answer: Answer) -> bool:
    """Several different answers offered against a gold that is one answer."""
    return answer.kind == "list" and gold.kind not in _COLLECTIONS and gold.kind != "equation"


def _cheap(
    prepared: PreparedGold, extraction: Extraction, rel_tol: float
) -> tuple[bool, str] | None:
    """A verdict from strings and plain numbers only (no sympy), or None."""
    if prepared.answer is None or len(extraction.parts) != 1:
        return None
    answer = extraction.parts[0]
    if string_key(answer) == string_key(prepared.normalized):
        return True, "string"
    gold = prepared.answer
    if gold.kind != "scalar" or gold.marker == "°" or answer.endswith("°"):
        return None
    text = answer[:-1] if answer.endswith("%") else answer
    if as_number(text) is None or as_number(gold.text) is None:
        return None
    return compare_cached(gold, parse_answer(answer), rel_tol)


def _grade(
    prepared: PreparedGold, completion: str, policy: Policy, rel_tol: float, cheap_only: bool
) -> Verdict | None:
    _check_options(policy, rel_tol)
    started = time.perf_counter()
    try:
        extraction = extract(completion, policy=policy, choice=prepared.is_choice)
        if not extraction.parts or prepared.answer is None:
            return Verdict("no_answer", 0.0, _details(extraction, prepared, None, started))
        if cheap_only:
            quick = _cheap(prepared, extraction, rel_tol)
            if quick is None:
                return None
            equal, rule = quick
            details = _details(extraction, prepared, rule, started)
        else:
            answer = _answer_of(extraction, rel_tol)
            if _is_hedge(prepared.answer, answer):
                equal, rule = False, "hedge"
            else:
                equal, rule = compare_cached(prepared.answer, answer, rel_tol)
            kinds = {"gold_kind": prepared.answer.kind, "answer_kind": answer.kind}
            details = _details(extraction, prepared, rule, started, **kinds)
    except Exception as exc:  # a grader bug is this item's verdict, not the batch's failure
        message = str(exc.args[0])[:ERROR_CHARS] if exc.args else ""
        return Verdict("internal_error", 0.0, {"error": f"{type(exc).__name__}: {message}"})
    return Verdict("correct" if equal else "incorrect", 1.0 if equal else 0.0, details)


def grade_prepared(
    prepared: PreparedGold,
    completion: str,
    *,
    policy: Policy = "lenient",
    rel_tol: float = DEFAULT_REL_TOL,
) -> Verdict:
    """Grade ``completion`` against a gold from ``prepare_gold``. Never raises on content.

    Args:
        prepared: the gold, parsed once for all its completions.
        completion: the model's text.
        policy: ``"lenient"`` (default) or ``"strict"`` (only the last box counts).
        rel_tol: relative tolerance of numeric comparisons.

    Returns:
        ``correct`` (reward 1.0), ``incorrect``, ``no_answer`` or ``internal_error``
        (reward 0.0). ``details`` holds ``extracted`` (at most 200 characters), ``source``
        (where it was found), ``gold_normalized``, ``rule`` (``string``, ``numeric``,
        ``symbolic``, ``set``, ``tuple``, ``interval``, ``inequality``, ``equation``,
        ``matrix``, ``choice``, ``base``, ``approx``, ``clock``, ``ratio``, ``structure``,
        ``hedge``), ``gold_kind``/``answer_kind`` and ``time_s``.

    Raises:
        ValueError: ``policy`` or ``rel_tol`` is out of range (a caller's mistake).
    """
    verdict = _grade(prepared, completion, policy, rel_tol, cheap_only=False)
    assert verdict is not None  # only cheap_only returns None
    return verdict


def grade_cheap(
    prepared: PreparedGold,
    completion: str,
    *,
    policy: Policy = "lenient",
    rel_tol: float = DEFAULT_REL_TOL,
) -> Verdict | None:
    """``grade_prepared``'s verdict when strings and plain numbers decide it, else None.

    Uses regular expressions and ``fractions`` only (no sympy): microseconds per call and
    no way to hang, so a caller may run it in-process and send only the rest (None) to
    ``IsolatedPool``; prepare the gold with ``prepare_gold_cheap`` for the same reason.
    Where it answers, it answers what ``grade_prepared`` would.
    """
    return _grade(prepared, completion, policy, rel_tol, cheap_only=True)


def grade(
    completion: str,
    gold: str,
    *,
    policy: Policy = "lenient",
    rel_tol: float = DEFAULT_REL_TOL,
) -> Verdict:
    """Extract the completion's final answer and compare it with ``gold``. Never raises
    on content (see ``grade_prepared`` for statuses, details and the ``ValueError``).

    ``grade`` has no deadline of its own: run it through ``IsolatedPool`` or
    ``grade_with_deadline`` when the input is untrusted.

    Examples:
        >>> grade(r"... so \\boxed{\\{3, 2\\}}", "2, 3").status
        'correct'
        >>> grade(r"\\boxed{1} or \\boxed{2}", "1").details["rule"]
        'hedge'
    """
    return grade_prepared(prepare_gold(gold), completion, policy=policy, rel_tol=rel_tol)
