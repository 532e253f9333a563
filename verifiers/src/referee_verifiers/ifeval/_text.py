"""Text measurements shared by several constraint families: words, sentences, paragraphs,
language. Each is one definition, so "a word" means the same thing in every constraint.
"""

from __future__ import annotations

import re

from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

# langdetect samples n-grams at random; a fixed seed makes the same text always get the
# same language, which a reward must (the library documents this as the way to do it).
DetectorFactory.seed = 0

# A word is a run of letters, digits or underscores, so "don't" is two and "3.5" is two:
# the same tokenization as IFEval's reference, so counts agree with published numbers.
_WORD = re.compile(r"\w+")

# Abbreviations whose period does not end a sentence ("Dr. Smith", "e.g. this").
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co"}
    | {"corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov"}
    | {"dec", "no", "fig", "approx", "dept", "est", "mt", "ft"}
)
# Quotes and brackets that may close a sentence after its period: straight and curly ones.
_CLOSERS = "\"')]\u201d\u2019"
# A candidate sentence end: terminal punctuation, closing quotes or brackets, then space or
# the end. "3.14" and "example.com" have no space after the period, so they do not split.
_SENTENCE_END = re.compile(rf"[.!?\u2026]+[{re.escape(_CLOSERS)}]*(?=\s|$)")
# A blank line ends a sentence too: a heading or a list item has no period of its own.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# How far back from a period ``_ends_sentence`` looks for an abbreviation or initialism.
LOOKBEHIND_CHARS = 40
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.)+$")  # "U.S." / "J. K." before the period
_LAST_TOKEN = re.compile(r"(\w+)\.$")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _ends_sentence(text: str, end: int) -> bool:
    # Only the last few characters decide; slicing the whole prefix would make splitting a
    # long response quadratic.
    before = text[max(0, end - LOOKBEHIND_CHARS) : end].rstrip(_CLOSERS)
    if not before.endswith("."):
        return True  # "!", "?" and an ellipsis always end a sentence
    if _INITIALISM.search(before):
        return False
    token = _LAST_TOKEN.search(before)
    return not (token and token.group(1).lower() in _ABBREVIATIONS)


def sentences(text: str) -> list[str]:
    """Split into sentences; pieces without a single word (stray punctuation) are dropped."""
    found: list[str] = []
    for block in _BLANK_LINE.split(text):
        start = 0
        for match in _SENTENCE_END.finditer(block):
            if _ends_sentence(block, match.end()):
                found.append(block[start : match.end()])
                start = match.end()
        found.append(block[start:])
    return [piece.strip() for piece in found if _WORD.search(piece)]


def blank_line_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, empty ones dropped."""
    return [piece.strip() for piece in _BLANK_LINE.split(text) if piece.strip()]


def detect_language(text: str) -> str | None:
    """langdetect's code for ``text`` ("en", "fr", "zh-cn"), None when it finds no letters."""
    try:
        return str(detect(text))
    except LangDetectException:
        return None


def same_language(detected: str | None, wanted: str) -> bool:
    """``fr`` matches ``fr``; ``zh`` matches langdetect's ``zh-cn`` and ``zh-tw``."""
    if detected is None:
        return False
    if "-" in wanted:
        return detected == wanted
    return detected.split("-")[0] == wanted
