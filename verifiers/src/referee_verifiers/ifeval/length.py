"""``length_constraints:*``: counts of words, sentences and paragraphs; a paragraph's first word.

``number_paragraphs`` counts paragraphs separated by the markdown divider ``***`` (a line of
three or more asterisks), as IFEval's instruction tells the model; ``nth_paragraph_first_word``
counts paragraphs separated by blank lines, as its instruction says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from referee_verifiers.ifeval._args import (
    ArgumentError,
    Count,
    Positive,
    RelationArg,
    Text,
    compare,
)
from referee_verifiers.ifeval._base import Outcome, register
from referee_verifiers.ifeval._text import blank_line_paragraphs, sentences, words

_DIVIDER = re.compile(r"^[ \t]*\*(?:[ \t]*\*){2,}[ \t]*$", re.MULTILINE)


@register("length_constraints:number_words")
@dataclass(frozen=True)
class NumberWords:
    num_words: Count
    relation: RelationArg

    def check(self, response: str) -> Outcome:
        found = len(words(response))
        return Outcome(compare(found, self.relation, self.num_words), f"{found} words")


@register("length_constraints:number_sentences")
@dataclass(frozen=True)
class NumberSentences:
    num_sentences: Count
    relation: RelationArg

    def check(self, response: str) -> Outcome:
        found = len(sentences(response))
        return Outcome(compare(found, self.relation, self.num_sentences), f"{found} sentences")


@register("length_constraints:number_paragraphs")
@dataclass(frozen=True)
class NumberParagraphs:
    num_paragraphs: Positive

    def check(self, response: str) -> Outcome:
        pieces = [piece.strip() for piece in _DIVIDER.split(response)]
        # A divider before the first or after the last paragraph is harmless; between two
        # dividers there must be text.
        while pieces and not pieces[0]:
            pieces.pop(0)
        while pieces and not pieces[-1]:
            pieces.pop()
        if not all(pieces):
            return Outcome(False, "an empty paragraph between two dividers")
        return Outcome(len(pieces) == self.num_paragraphs, f"{len(pieces)} paragraphs")


def _bare_word(token: str) -> str:
    """A token without the quotes, markdown or punctuation around it, casefolded."""
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[start:end].casefold()


@register("length_constraints:nth_paragraph_first_word")
@dataclass(frozen=True)
class NthParagraphFirstWord:
    num_paragraphs: Positive
    nth_paragraph: Positive
    first_word: Text

    def __post_init__(self) -> None:
        if self.nth_paragraph > self.num_paragraphs:
            raise ArgumentError("nth_paragraph", "is beyond num_paragraphs")

    def check(self, response: str) -> Outcome:
        paragraphs = blank_line_paragraphs(response)
        if len(paragraphs) != self.num_paragraphs:
            return Outcome(False, f"{len(paragraphs)} paragraphs")
        first = _bare_word(paragraphs[self.nth_paragraph - 1].split()[0])
        passed = first == _bare_word(self.first_word)
        return Outcome(passed, f"paragraph {self.nth_paragraph} starts with {first!r}")
