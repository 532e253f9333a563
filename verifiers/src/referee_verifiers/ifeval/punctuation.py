"""``punctuation:no_comma``: no comma anywhere in the response."""

from __future__ import annotations

from dataclasses import dataclass

from referee_verifiers.ifeval._base import Outcome, register

# The ASCII comma, and the full-width and ideographic ones a CJK-trained model writes.
_COMMAS = (",", "\uff0c", "\u3001")


@register("punctuation:no_comma")
@dataclass(frozen=True)
class NoComma:
    def check(self, response: str) -> Outcome:
        found = sum(response.count(comma) for comma in _COMMAS)
        return Outcome(found == 0, f"{found} commas")
