"""From a completion to its final answer (normalized text), or None when it has none.

Order of preference:

1. The last ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces kept; ``\\boxed 5`` too). When
   the completion boxes anything, only boxes count: an empty or unterminated last box
   is no answer, not a cue to guess from the prose.
2. GSM8K's ``#### 42`` line.
3. The whole completion, when it is short and has no prose (``0.5``, ``$\\dfrac{3}{4}$``).
4. What follows "the answer is" / "answer:" on its line.
5. The last number in the completion.

Fallbacks 2, 4 and 5 read only the last ``TAIL_CHARS`` characters, so a huge completion
costs about as much as a short one.
"""

from __future__ import annotations

import re

from referee_verifiers.math._normalize import normalize, strip_math_delimiters

# Fallbacks read only the end of a completion.
TAIL_CHARS = 4096
# A completion this short, with no prose in it, is taken to be the answer itself.
BARE_ANSWER_CHARS = 80
# "The answer is X" captures at most this much of X.
STATED_ANSWER_CHARS = 120

_BOXED = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])\s*")
_UNBRACED_TOKEN = re.compile(r"[^\s$]+")
_GSM8K = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)
_ANSWER_IS = re.compile(
    r"answer\s*(?:is|:|=)\s*:?\s*(\$[^$\n]{1,120}\$|[^\n]{1,120}?)\s*(?:\.\s|\.?\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?")
# Words of three letters or more that are not a LaTeX command nor a math function: prose.
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_MATH_WORDS = frozenset({"sqrt", "sin", "cos", "tan", "log", "exp", "frac", "cot", "sec", "csc"})


def _braced(text: str, start: int) -> str | None:
    """The content of the brace group opening at ``text[start]``; None if unterminated."""
    depth = 0
    for i in range(start, len(text)):
        char = text[i]
        if char == "\\":  # an escaped brace, \{ or \}, does not nest
            continue
        if char == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif char == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def last_boxed(text: str) -> str | None:
    """The raw content of the last ``\\boxed``/``\\fbox``, "" when it is empty or cut off.

    None when the text has no box at all.
    """
    matches = list(_BOXED.finditer(text))
    if not matches:
        return None
    end = matches[-1].end()
    if end < len(text) and text[end] == "{":
        return _braced(text, end) or ""
    token = _UNBRACED_TOKEN.match(text, end)
    return token.group(0) if token else ""


def _looks_bare(text: str) -> bool:
    if len(text) > BARE_ANSWER_CHARS or "\n" in text.strip():
        return False
    return all(word.lower() in _MATH_WORDS for word in _WORD.findall(text))


def extract_answer(completion: str) -> str | None:
    """The completion's final answer, normalized; None when there is none.

    Examples:
        >>> extract_answer(r"so it is \\boxed{\\frac{1}{2}}.")
        '\\\\frac{1}{2}'
        >>> extract_answer("0.5")
        '0.5'
        >>> extract_answer(r"\\boxed{}") is None
        True
    """
    boxed = last_boxed(completion)
    if boxed is not None:
        return normalize(boxed) or None
    text = completion.strip()
    if not text:
        return None
    tail = text[-TAIL_CHARS:]
    hashes = _GSM8K.findall(tail)
    if hashes:
        return normalize(hashes[-1]) or None
    if _looks_bare(text):
        return normalize(text) or None
    stated = _ANSWER_IS.findall(tail)
    if stated:
        answer = normalize(strip_math_delimiters(stated[-1]))
        if answer:
            return answer
    numbers = _NUMBER.findall(tail)
    return normalize(numbers[-1]) if numbers else None
