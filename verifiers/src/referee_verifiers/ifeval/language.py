"""``language:response_language``: the whole response in one language, told by langdetect."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY

from referee_verifiers.ifeval._args import ArgumentError, LanguageCode
from referee_verifiers.ifeval._base import Outcome, register
from referee_verifiers.ifeval._text import detect_language, same_language


@cache
def _known_languages() -> frozenset[str]:
    """The codes langdetect can answer: one profile file per language, named by its code."""
    codes = frozenset(os.listdir(PROFILES_DIRECTORY))
    return codes | {code.split("-")[0] for code in codes}


@register("language:response_language")
@dataclass(frozen=True)
class ResponseLanguage:
    language: LanguageCode

    def __post_init__(self) -> None:
        # A language langdetect never answers would fail every response: the item is wrong.
        if self.language not in _known_languages():
            raise ArgumentError("language", f"{self.language!r} is not a detectable language")

    def check(self, response: str) -> Outcome:
        # Text with no letters (empty, digits only) has no language and does not pass:
        # IFEval's reference passes it, which would reward an empty answer.
        detected = detect_language(response)
        return Outcome(same_language(detected, self.language), f"detected {detected}")
