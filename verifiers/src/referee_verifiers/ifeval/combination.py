"""``combination:*``: two different responses; the prompt repeated first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from referee_verifiers.ifeval._args import Text
from referee_verifiers.ifeval._base import Outcome, register

# Exactly six asterisks: seven or more are some other markdown, not the separator.
_SEPARATOR = re.compile(r"(?<!\*)\*{6}(?!\*)")


@register("combination:two_responses")
@dataclass(frozen=True)
class TwoResponses:
    def check(self, response: str) -> Outcome:
        parts = [part.strip() for part in _SEPARATOR.split(response)]
        # A separator at the very start or end leaves an empty part that is not a response.
        if parts and not parts[0]:
            parts.pop(0)
        if parts and not parts[-1]:
            parts.pop()
        if len(parts) != 2 or not all(parts):
            return Outcome(False, f"{len(parts)} responses")
        different = parts[0] != parts[1]
        return Outcome(different, "two different responses" if different else "identical")


@register("combination:repeat_prompt")
@dataclass(frozen=True)
class RepeatPrompt:
    # Missing from a row's kwargs, it is taken from the item's ``prompt``.
    prompt_to_repeat: Text

    def check(self, response: str) -> Outcome:
        passed = response.strip().lower().startswith(self.prompt_to_repeat.strip().lower())
        return Outcome(passed, "starts with the prompt" if passed else "does not")
