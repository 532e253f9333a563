"""``detectable_format:*``: JSON, bullet lists, highlights, sections, a title, fixed answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from referee_verifiers.ifeval._args import Count, Positive, Text
from referee_verifiers.ifeval._base import Outcome, register

# A model asked for JSON often fences it; the fence is packaging, not extra content.
_FENCED = re.compile(r"```(?:json)?[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL | re.IGNORECASE)
# A markdown bullet: "*", "-" or "+" then a space, at the start of a line.
_BULLET = re.compile(r"^[ \t]*[*+-][ \t]+\S", re.MULTILINE)
# "* * *" and "- - -" are horizontal rules, not one-word bullets.
_RULE = re.compile(r"^[ \t]*([*_-])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
# Markdown emphasis *x* or **x**: no space just inside the asterisks, on one line.
_HIGHLIGHT = re.compile(r"(\*\*?)(?![\s*])[^\n*]+?(?<!\s)\1")
_TITLE = re.compile(r"<<([^\n<>]+)>>")
_CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@register("detectable_format:json_format")
@dataclass(frozen=True)
class JsonFormat:
    def check(self, response: str) -> Outcome:
        text = response.strip()
        fenced = _FENCED.fullmatch(text)
        if fenced:
            text = fenced.group(1).strip()
        try:
            value = json.loads(text)
        except ValueError:
            return Outcome(False, "not valid JSON")
        except RecursionError:  # nested deeper than the parser's stack: no answer anyone wants
            return Outcome(False, "not valid JSON: nested too deeply to parse")
        # A bare string or number is valid JSON but wraps nothing.
        passed = isinstance(value, dict | list)
        return Outcome(passed, f"a JSON {type(value).__name__}")


@register("detectable_format:number_bullet_lists")
@dataclass(frozen=True)
class NumberBulletLists:
    num_bullets: Count

    def check(self, response: str) -> Outcome:
        found = len(_BULLET.findall(_RULE.sub("", response)))
        return Outcome(found == self.num_bullets, f"{found} bullets")


@register("detectable_format:number_highlighted_sections")
@dataclass(frozen=True)
class NumberHighlightedSections:
    num_highlights: Count

    def check(self, response: str) -> Outcome:
        found = len(_HIGHLIGHT.findall(response))
        return Outcome(found >= self.num_highlights, f"{found} highlighted sections")


@register("detectable_format:multiple_sections")
@dataclass(frozen=True)
class MultipleSections:
    section_spliter: Text  # sic: IFEval's argument name
    num_sections: Positive

    def check(self, response: str) -> Outcome:
        # "SECTION 1" at the start of a line, possibly behind markdown heading or bold marks.
        marker = re.escape(self.section_spliter.strip())
        pattern = rf"^[ \t#*_>]*{marker}[ \t]*\d+"
        found = len(re.findall(pattern, response, flags=re.MULTILINE))
        return Outcome(found >= self.num_sections, f"{found} sections")


@register("detectable_format:title")
@dataclass(frozen=True)
class Title:
    def check(self, response: str) -> Outcome:
        titles = [title for title in _TITLE.findall(response) if title.strip()]
        return Outcome(bool(titles), f"title {titles[0].strip()!r}" if titles else "no title")


@register("detectable_format:constrained_response")
@dataclass(frozen=True)
class ConstrainedResponse:
    def check(self, response: str) -> Outcome:
        chosen = [option for option in _CONSTRAINED_OPTIONS if option in response]
        # Giving two of the options is hedging, not choosing.
        return Outcome(len(chosen) == 1, f"contains {chosen}")
