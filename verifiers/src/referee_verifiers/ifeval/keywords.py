"""``keywords:*``: keywords included, their frequency, forbidden words, letter frequency.

A keyword matches case-insensitively and only as a whole word (not inside a longer word):
"cat" is not in "category". IFEval's reference counts substrings for inclusion and
frequency; whole words keep "use 'ring' less than twice" from failing on "bring".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from referee_verifiers.ifeval._args import Count, Letter, RelationArg, Text, Texts, compare
from referee_verifiers.ifeval._base import Outcome, register


def _occurrences(keyword: str, response: str) -> int:
    pattern = rf"(?<!\w){re.escape(keyword.strip())}(?!\w)"
    return len(re.findall(pattern, response, flags=re.IGNORECASE))


@register("keywords:existence")
@dataclass(frozen=True)
class Existence:
    keywords: Texts

    def check(self, response: str) -> Outcome:
        missing = [word for word in self.keywords if not _occurrences(word, response)]
        return Outcome(not missing, f"missing {missing}" if missing else "all present")


@register("keywords:frequency")
@dataclass(frozen=True)
class Frequency:
    keyword: Text
    frequency: Count
    relation: RelationArg

    def check(self, response: str) -> Outcome:
        found = _occurrences(self.keyword, response)
        return Outcome(compare(found, self.relation, self.frequency), f"{found} occurrences")


@register("keywords:forbidden_words")
@dataclass(frozen=True)
class ForbiddenWords:
    forbidden_words: Texts

    def check(self, response: str) -> Outcome:
        used = [word for word in self.forbidden_words if _occurrences(word, response)]
        return Outcome(not used, f"used {used}" if used else "none used")


@register("keywords:letter_frequency")
@dataclass(frozen=True)
class LetterFrequency:
    letter: Letter
    let_frequency: Count
    let_relation: RelationArg

    def check(self, response: str) -> Outcome:
        found = response.lower().count(self.letter)
        passed = compare(found, self.let_relation, self.let_frequency)
        return Outcome(passed, f"{found} occurrences of {self.letter!r}")
