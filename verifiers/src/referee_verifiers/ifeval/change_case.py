"""``change_case:*``: all lowercase English, all capitals English, count of capitalized words."""

from __future__ import annotations

from dataclasses import dataclass

from referee_verifiers.ifeval._args import Count, RelationArg, compare
from referee_verifiers.ifeval._base import Outcome, register
from referee_verifiers.ifeval._text import detect_language, same_language, words


def _in_english(response: str, case_ok: bool, case_name: str) -> Outcome:
    # The instructions say "in English, and in all lowercase/capital letters": both count.
    language = detect_language(response)
    passed = case_ok and same_language(language, "en")
    case = case_name if case_ok else f"not {case_name}"
    return Outcome(passed, f"{case}, language {language}")


@register("change_case:english_lowercase")
@dataclass(frozen=True)
class EnglishLowercase:
    def check(self, response: str) -> Outcome:
        return _in_english(response, response.islower(), "lowercase")


@register("change_case:english_capital")
@dataclass(frozen=True)
class EnglishCapital:
    def check(self, response: str) -> Outcome:
        return _in_english(response, response.isupper(), "uppercase")


@register("change_case:capital_word_frequency")
@dataclass(frozen=True)
class CapitalWordFrequency:
    capital_frequency: Count
    capital_relation: RelationArg

    def check(self, response: str) -> Outcome:
        found = sum(1 for word in words(response) if word.isupper())
        passed = compare(found, self.capital_relation, self.capital_frequency)
        return Outcome(passed, f"{found} all-capital words")
