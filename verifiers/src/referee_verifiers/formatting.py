"""Format rewards: the completion's shape rather than its content.

``after_thinking`` strips a reasoning block for the content verifiers.

- ``grade_think_answer``: R1-style structure, one think block first, then one answer block.
- ``grade_regex``: the completion matches a user pattern, under a matching time limit.
- ``grade_length``: a length budget, full reward within it, falling linearly to a hard limit.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

import regex

from referee_verifiers.verdict import Verdict

__all__ = ["after_thinking", "grade_length", "grade_regex", "grade_think_answer"]

# Extracted answers and matches echoed in details are cut to this many characters.
DETAIL_CHARS = 200
# A user pattern gets this long to match one completion; a catastrophic one is cut off.
REGEX_TIMEOUT_S = 1.0
# Compiled user patterns kept; training repeats the same few patterns across a whole run.
PATTERN_CACHE_SIZE = 256

_TAG_NAME = re.compile(r"[A-Za-z_][\w-]*")


def after_thinking(completion: str, think_tag: str = "think") -> str:
    """The response proper: the text after the last ``</think>``, or all of it if none;
    "" while a ``<think>`` is still open (the completion was cut off while reasoning).

    Content verifiers (``math``, ``match``, ``ifeval``) judge only this, so an answer tried
    while reasoning neither counts nor breaks a constraint, and a completion that never
    finished thinking has given no answer.
    """
    response = completion.rsplit(f"</{think_tag}>", 1)[-1]
    return "" if f"<{think_tag}>" in response else response


def grade_think_answer(
    completion: str,
    *,
    think_tag: str = "think",
    answer_tag: str = "answer",
    require_answer: bool = True,
) -> Verdict:
    """``<think>...</think>`` first, then exactly one ``<answer>...</answer>``, nothing else.

    Only whitespace may come before the think block, between the blocks and after the
    answer; no block may repeat or nest. ``correct`` (1.0) when the structure holds;
    ``no_answer`` (0.0) when the think block is fine but the answer block is missing or
    empty and ``require_answer`` is set; ``incorrect`` (0.0) otherwise, with
    ``details["problem"]`` saying what broke. Without ``require_answer`` the answer block may
    be left out; ``details["answer"]`` is then the text after the think block.
    """
    for field, tag in (("think_tag", think_tag), ("answer_tag", answer_tag)):
        if not _TAG_NAME.fullmatch(tag):
            return Verdict("invalid_input", 0.0, {"error": f"{field}: not a tag name: {tag!r}"})
    if think_tag == answer_tag:
        return Verdict("invalid_input", 0.0, {"error": "answer_tag: same as think_tag"})

    tags = re.compile(rf"<(/?)({re.escape(think_tag)}|{re.escape(answer_tag)})\s*>")
    found = list(tags.finditer(completion))
    # The tag sequence as "<think>", "</think>", ... : the structure without the text.
    sequence = [f"<{m.group(1)}{m.group(2)}>" for m in found]
    think = [f"<{think_tag}>", f"</{think_tag}>"]
    answer = [f"<{answer_tag}>", f"</{answer_tag}>"]

    def incorrect(problem: str) -> Verdict:
        return Verdict("incorrect", 0.0, {"answer": None, "problem": problem})

    if sequence[:2] != think:
        return incorrect(f"does not open with one {think[0]}...{think[1]} block")
    if completion[: found[0].start()].strip():
        return incorrect(f"text before {think[0]}")
    between = completion[found[1].end() : found[2].start() if len(found) > 2 else None]
    if sequence[2:] == answer:
        if between.strip():
            return incorrect(f"text between {think[1]} and {answer[0]}")
        if completion[found[3].end() :].strip():
            return incorrect(f"text after {answer[1]}")
        text = completion[found[2].end() : found[3].start()].strip()
    elif sequence.count(answer[0]) > 1:
        return incorrect(f"{sequence.count(answer[0])} {answer[0]} blocks")
    elif sequence[2:]:
        return incorrect(f"tags out of place after the think block: {sequence[2:]}")
    elif require_answer:
        return Verdict("no_answer", 0.0, {"answer": None, "problem": f"no {answer[0]} block"})
    else:
        text = between.strip()
    if not text and require_answer:
        return Verdict("no_answer", 0.0, {"answer": "", "problem": f"empty {answer[0]} block"})
    return Verdict("correct", 1.0, {"answer": text[:DETAIL_CHARS]})


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _compile(pattern: str) -> Any:
    return regex.compile(pattern)


def grade_regex(
    completion: str, pattern: str, *, full: bool = False, timeout_s: float = REGEX_TIMEOUT_S
) -> Verdict:
    """``correct`` (1.0) when ``pattern`` is found in the completion (``full``: matches all
    of it), else ``incorrect``. The pattern uses the ``regex`` module's syntax, a superset of
    ``re``'s. A pattern that does not compile is ``invalid_input``, and so is one whose
    compiling or matching exhausts memory or the stack (unbounded recursion: ``(?R)``,
    ``(?(DEFINE)(?<x>(?&x)a))(?&x)``); matching that runs past ``timeout_s`` (catastrophic
    backtracking) is ``timeout``. ``details["match"]`` holds the matched text.
    """
    try:
        compiled = _compile(pattern)
        if full:
            found = compiled.fullmatch(completion, timeout=timeout_s)
        else:
            found = compiled.search(completion, timeout=timeout_s)
    except regex.error as exc:
        return Verdict("invalid_input", 0.0, {"error": f"pattern: {exc}"})
    except TimeoutError:
        return Verdict("timeout", 0.0, {"error": f"pattern: matching took over {timeout_s} s"})
    except (MemoryError, RecursionError) as exc:
        # How the regex module reports a pattern that recurses without end (it has no
        # bound of its own). The completion is only matched, never parsed: the pattern
        # is what went wrong.
        error = (
            f"pattern {pattern[:DETAIL_CHARS]!r}: ran out of memory or stack"
            f" ({type(exc).__name__}); does it recurse without end?"
        )
        return Verdict("invalid_input", 0.0, {"error": error})
    if found is None:
        return Verdict("incorrect", 0.0, {"match": None})
    return Verdict("correct", 1.0, {"match": str(found.group(0))[:DETAIL_CHARS]})


def grade_length(
    completion: str,
    *,
    unit: Literal["words", "chars"] = "words",
    budget: int,
    hard_limit: int | None = None,
) -> Verdict:
    """1.0 (``correct``) up to ``budget`` words or characters; beyond it ``incorrect``, the
    reward falling linearly to 0.0 at ``hard_limit`` (0.0 at once when there is none).

    Words are whitespace-separated tokens. ``details`` holds the measured ``length``.
    """
    if unit not in ("words", "chars"):
        return Verdict("invalid_input", 0.0, {"error": f"unit: expected words or chars: {unit!r}"})
    if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
        return Verdict(
            "invalid_input", 0.0, {"error": f"budget: expected a positive int: {budget!r}"}
        )
    if hard_limit is not None and (
        isinstance(hard_limit, bool) or not isinstance(hard_limit, int) or hard_limit < budget
    ):
        error = f"hard_limit: expected an int at least budget ({budget}): {hard_limit!r}"
        return Verdict("invalid_input", 0.0, {"error": error})
    length = len(completion.split()) if unit == "words" else len(completion)
    details: dict[str, Any] = {"length": length, "unit": unit, "budget": budget}
    if length <= budget:
        return Verdict("correct", 1.0, details)
    if hard_limit is None or length >= hard_limit:
        return Verdict("incorrect", 0.0, details)
    return Verdict("incorrect", (hard_limit - length) / (hard_limit - budget), details)
