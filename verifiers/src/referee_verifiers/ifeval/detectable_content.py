"""``detectable_content:*``: a postscript, square-bracket placeholders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from referee_verifiers.ifeval._args import Count, Text
from referee_verifiers.ifeval._base import Outcome, register

# Compiled postscript markers kept; datasets use a handful ("P.S.", "P.P.S").
MARKER_CACHE_SIZE = 64
_PLACEHOLDER = re.compile(r"\[([^\[\]\n]+)\]")


@lru_cache(maxsize=MARKER_CACHE_SIZE)
def _marker_pattern(marker: str) -> re.Pattern[str]:
    # "P.S." also matches "p.s.", "P. S." and "**P.S.**": a space may follow each period,
    # case does not matter, markdown may wrap it; it must open a line.
    parts = [r"\.\s?" if char == "." else re.escape(char) for char in marker.strip()]
    return re.compile(r"^[ \t*_]*" + "".join(parts), re.IGNORECASE | re.MULTILINE)


@register("detectable_content:postscript")
@dataclass(frozen=True)
class Postscript:
    postscript_marker: Text

    def check(self, response: str) -> Outcome:
        found = _marker_pattern(self.postscript_marker).search(response)
        return Outcome(found is not None, "has a postscript" if found else "no postscript")


@register("detectable_content:number_placeholders")
@dataclass(frozen=True)
class NumberPlaceholders:
    num_placeholders: Count

    def check(self, response: str) -> Outcome:
        found = sum(1 for inner in _PLACEHOLDER.findall(response) if inner.strip())
        return Outcome(found >= self.num_placeholders, f"{found} placeholders")
