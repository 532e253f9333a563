"""Short-answer matching: a multiple-choice letter, exact match, token F1.

Only the text after the last ``</think>`` is read, so letters and answers weighed while
reasoning do not count. Then:

- ``choice`` looks for option letters, first in ``\\boxed{B}``, then after a cue ("the
  answer is (B)", "Answer: B", "correct option: **B**"), then a completion that is a lone
  letter ("B", "(B)", "B."). Several different letters in the first place that has any ("A
  or B", "\\boxed{A} ... \\boxed{B}") are a hedge: ``incorrect``, whatever the gold.
- ``exact`` and ``f1`` take the short answer from the last ``<answer>`` block, else the last
  ``\\boxed{}``, else what follows the last "answer is" / "Answer:" on its line, else the
  whole text; then normalize it as SQuAD's evaluation does (lowercase, no punctuation, no
  articles a/an/the, single spaces) and compare it with every gold.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from referee_verifiers.formatting import after_thinking
from referee_verifiers.math.extract import last_boxed
from referee_verifiers.verdict import Verdict

__all__ = ["extract_choice", "extract_short_answer", "grade_match", "normalize_answer", "token_f1"]

# Extracted answers echoed in details are cut to this many characters.
DETAIL_CHARS = 200
MODES = ("choice", "exact", "f1")

# One option letter: "B", "**B**", "(B)", "[B]", "(b)"; never the first letter of a word.
_LETTER = r"(?:\([A-Za-z]\)|\[[A-Za-z]\]|\*{0,2}[A-Z]\*{0,2})(?!\w)"
# Letters joined as in a hedge: "A or B", "A, C", "A/B", "A and B".
_LETTERS = rf"{_LETTER}(?:\s*(?:,|/|&|\bor\b|\band\b)\s*{_LETTER})*"
_LETTER_IN = re.compile(r"(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z])")
_BOXED_LETTERS = re.compile(
    rf"\\(?:boxed|fbox)\s*\{{\s*(?:\\text(?:bf)?\s*\{{)?\s*({_LETTERS})\s*\}}?\s*\}}"
)
# "answer" alone, or "correct/best option/choice": a bare "option A" is discussion, not choice.
_CUED_LETTERS = re.compile(
    r"(?i:\b(?:answer|(?:correct|best|right)\s+(?:option|choice))\b(?:\s+(?:is|would\s+be))?)"
    rf"\s*[:=]?\s*({_LETTERS})"
)
# The whole text is a letter (or a hedge of letters); a bare lowercase "b" counts only here.
_LONE_LETTER = re.compile(rf"\s*(?:{_LETTERS}|[a-z])[.:]?\s*")
_CHOICE_RULES = (("boxed", _BOXED_LETTERS), ("stated", _CUED_LETTERS))

_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_STATED = re.compile(
    r"\b(?:final\s+)?answer\s*(?:is|:)\s*:?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE
)
_TEXT_COMMAND = re.compile(r"\\text(?:bf|rm)?\s*\{([^{}]*)\}")
# SQuAD strips ASCII punctuation; Unicode punctuation ("«", "—", "。") goes the same way.
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


def _letters(span: str) -> list[str]:
    return [letter.upper() for letter in _LETTER_IN.findall(span)]


def extract_choice(completion: str) -> tuple[list[str], str | None]:
    """The distinct option letters found where a choice is stated, and the rule that found
    them (``boxed``, ``stated``, ``lone``); ``([], None)`` when there are none.
    """
    text = after_thinking(completion)
    for rule, pattern in _CHOICE_RULES:
        spans = pattern.findall(text)
        if spans:
            found = [letter for span in spans for letter in _letters(span)]
            return sorted(set(found)), rule
    if _LONE_LETTER.fullmatch(text):
        return sorted(set(_letters(text))), "lone"
    return [], None


def extract_short_answer(completion: str) -> tuple[str, str]:
    """The short answer and the rule that found it (``tag``, ``boxed``, ``stated``, ``whole``)."""
    text = after_thinking(completion)
    tagged = _ANSWER_TAG.findall(text)
    if tagged:
        return tagged[-1].strip(), "tag"
    boxed = last_boxed(text)
    if boxed is not None:
        return _TEXT_COMMAND.sub(r"\1", boxed).strip(), "boxed"
    stated = _STATED.findall(text)
    if stated:
        return stated[-1].strip("*_ ").rstrip("."), "stated"
    return text.strip(), "whole"


def normalize_answer(text: str) -> str:
    """SQuAD's normalization: lowercase, drop punctuation, then articles, collapse spaces."""
    lowered = text.lower()
    kept = "".join(
        " " if char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P") else char
        for char in lowered
    )
    return " ".join(_ARTICLES.sub(" ", kept).split())


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 of two normalized strings; two empty strings agree fully."""
    predicted, expected = prediction.split(), gold.split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def _gold_letter(gold: str) -> str | None:
    letter = gold.strip().strip("()[]*.:").strip()
    return letter.upper() if len(letter) == 1 and letter.isalpha() else None


def _grade_choice(completion: str, golds: Sequence[str]) -> Verdict:
    letters = [_gold_letter(gold) for gold in golds]
    bad = [index for index, letter in enumerate(letters) if letter is None]
    if bad:
        error = f"golds[{bad[0]}]: not an option letter: {golds[bad[0]]!r}"
        return Verdict("invalid_input", 0.0, {"error": error})
    found, rule = extract_choice(completion)
    details: dict[str, Any] = {"extracted": None, "rule": rule, "golds": sorted(set(letters))}
    if not found:
        return Verdict("no_answer", 0.0, details)
    if len(found) > 1:
        return Verdict("incorrect", 0.0, {**details, "hedged": found})
    details["extracted"] = found[0]
    right = found[0] in letters
    return Verdict("correct" if right else "incorrect", float(right), details)


def grade_match(completion: str, golds: Sequence[str] | str, mode: str = "exact") -> Verdict:
    """Match the completion's short answer against any of ``golds``.

    ``mode``: ``choice`` (option letters), ``exact`` (equal after SQuAD normalization) or
    ``f1`` (reward = the best token F1 over the golds; ``correct`` only at F1 = 1).
    Statuses: ``correct``, ``incorrect`` (including a hedged choice), ``no_answer`` (nothing
    to compare), ``invalid_input`` (unknown mode, no golds, a gold that is not a letter in
    ``choice`` mode; ``details["error"]`` names it). ``details`` carries ``extracted``.
    """
    if isinstance(golds, str):  # one gold given bare; iterating it would yield characters
        golds = [golds]
    if mode not in MODES:
        return Verdict("invalid_input", 0.0, {"error": f"mode: expected one of {MODES}: {mode!r}"})
    if not golds or not all(isinstance(gold, str) and gold.strip() for gold in golds):
        return Verdict("invalid_input", 0.0, {"error": "golds: needs non-empty strings"})
    if mode == "choice":
        return _grade_choice(completion, golds)

    answer, rule = extract_short_answer(completion)
    details: dict[str, Any] = {"extracted": answer[:DETAIL_CHARS], "rule": rule}
    predicted = normalize_answer(answer)
    if not predicted:
        return Verdict("no_answer", 0.0, details)
    normalized = [normalize_answer(gold) for gold in golds]
    if mode == "exact":
        right = predicted in normalized
        return Verdict("correct" if right else "incorrect", float(right), details)
    best = max(token_f1(predicted, gold) for gold in normalized)
    return Verdict("correct" if best == 1.0 else "incorrect", best, {**details, "f1": best})
