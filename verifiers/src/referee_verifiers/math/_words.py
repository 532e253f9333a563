"""Numbers written in English words: "five", "twenty-one", "one hundred", "one-half",
"three-fourths", "two and a half".

Cardinals go to ``text2num`` (a maintained parser of written numbers); fractions are a
cardinal numerator and an ordinal denominator ("three-fourths", "two thirds", "a half").
"""

from __future__ import annotations

import re
from fractions import Fraction

from text_to_num import text2num  # type: ignore[import-untyped]

from referee_verifiers.math._normalize import NOT_A_NOUN

# Denominators as English writes them in fractions.
_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
_FRACTION = re.compile(r"^(?:(?P<whole>.+?) and )?(?P<num>.+?)[ -](?P<den>[a-z]+?)s?$")
_ARTICLE = frozenset({"a", "an", "one"})


def _cardinal(words: str) -> int | None:
    words = words.strip()
    if words in _ARTICLE:
        return 1
    try:
        value = text2num(words, "en")
    except ValueError:
        return None
    return value if isinstance(value, int) else None


# "Five hundred tickets", "three-fourths of the pizza": the number, then what it counts.
MAX_TRAILING_WORDS = 4


def number_from_words(text: str) -> Fraction | None:
    """The value of ``text`` if it is a number written in English words, possibly followed
    by a few words naming what it counts ("fifteen minutes"), else None.

    Examples:
        >>> number_from_words("twenty-one")
        Fraction(21, 1)
        >>> number_from_words("two and a half")
        Fraction(5, 2)
        >>> number_from_words("Tuesday") is None
        True
    """
    words = text.lower().split()
    if "or" in words:  # "five or six": two answers
        return None
    for end in range(len(words), max(len(words) - MAX_TRAILING_WORDS, 1) - 1, -1):
        value = _number(" ".join(words[:end]))
        if value is not None:
            # What follows must only name what is counted: not "five squared", "five at most".
            return None if NOT_A_NOUN.intersection(words[end:]) else value
    return None


def _number(words: str) -> Fraction | None:
    whole = _cardinal(words)
    if whole is not None:
        return Fraction(whole)
    match = _FRACTION.match(words)
    if match is None or match.group("den") not in _DENOMINATORS:
        return None
    numerator = _cardinal(match.group("num"))
    if numerator is None:
        return None
    value = Fraction(numerator, _DENOMINATORS[match.group("den")])
    if match.group("whole") is None:
        return value
    whole = _cardinal(match.group("whole"))
    return None if whole is None or value >= 1 else whole + value
