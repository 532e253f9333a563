"""``startend:*``: the whole response in double quotes; the response ends with a phrase."""

from __future__ import annotations

from dataclasses import dataclass

from referee_verifiers.ifeval._args import Text
from referee_verifiers.ifeval._base import Outcome, register

# Straight quotes, or the typographic pair a model or an editor may substitute.
_QUOTE_PAIRS = (('"', '"'), ("“", "”"))
# How much of the response's end ``end_checker`` echoes in its outcome.
TAIL_CHARS = 40


@register("startend:quotation")
@dataclass(frozen=True)
class Quotation:
    def check(self, response: str) -> Outcome:
        text = response.strip()
        passed = len(text) >= 2 and any(
            text.startswith(left) and text.endswith(right) for left, right in _QUOTE_PAIRS
        )
        return Outcome(passed, "wrapped in quotes" if passed else "not wrapped in quotes")


@register("startend:end_checker")
@dataclass(frozen=True)
class EndChecker:
    end_phrase: Text

    def check(self, response: str) -> Outcome:
        # "No other words should follow": only trailing whitespace may come after it.
        tail = response.strip()[-TAIL_CHARS:]
        passed = response.strip().lower().endswith(self.end_phrase.strip().lower())
        return Outcome(passed, f"ends with {tail!r}")
