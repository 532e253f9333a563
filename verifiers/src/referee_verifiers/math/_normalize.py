"""Text clean-up shared by ``extract`` and ``compare``: cheap, regex-only, never raises.

``normalize`` turns a candidate answer into a canonical LaTeX-ish string; ``string_key``
is that string with all whitespace dropped, for the cheapest (string) comparison.
"""

from __future__ import annotations

import re

# Text-mode wrappers whose content is the answer: "\text{5}" -> "5".
_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
# Sizing, spacing and display commands that carry no value.
_NOISE = re.compile(r"\\(?:left|right|displaystyle|textstyle|big|Big|bigg|Bigg)(?![A-Za-z])")
_SPACING = re.compile(r"\\[!,;:]|\\ |~")
# Degrees: "90^\circ", "90^{\circ}", "90°".
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°")
# "\dfrac", "\tfrac" -> "\frac".
_FRAC_VARIANTS = re.compile(r"\\[dt]frac(?![A-Za-z])")
# Brace-less arguments: "\frac12" -> "\frac{1}{2}", "\frac1{x}", "\sqrt3" -> "\sqrt{3}".
_FRAC_BARE_BOTH = re.compile(r"\\frac\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])")
_FRAC_BARE_FIRST = re.compile(r"\\frac\s*([0-9a-zA-Z])\s*\{")
_SQRT_BARE = re.compile(r"\\sqrt\s*([0-9a-zA-Z])")
# LaTeX's "1{,}000" thousands separator.
_BRACED_COMMA = re.compile(r"\{,\}")
# "1,000" and "12,345,678.5" but not "1,2" or "1,0000": groups of exactly three digits.
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+)(?![\d,])")
_SPACES = re.compile(r"\s+")

# Delimiters a whole answer may be wrapped in.
_MATH_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def strip_math_delimiters(text: str) -> str:
    """Remove one layer of ``$..$``, ``$$..$$``, ``\\(..\\)`` or ``\\[..\\]`` around ``text``."""
    text = text.strip()
    for opening, closing in _MATH_DELIMITERS:
        if (
            len(text) >= len(opening) + len(closing)
            and text.startswith(opening)
            and text.endswith(closing)
        ):
            return text[len(opening) : len(text) - len(closing)].strip()
    return text


def normalize(text: str) -> str:
    """Canonical form of one answer string (whitespace runs collapsed to one space).

    Strips ``$`` and other math delimiters, ``\\text{...}`` wrappers, ``\\left``/``\\right``,
    thin spaces (``\\!``, ``\\,``, ``\\;``), degree marks, a trailing ``.`` and ``%``, and
    thousands separators in digit groups of exactly three (``1,000`` -> ``1000``, but
    ``1,2`` stays a pair); rewrites ``\\dfrac``/``\\tfrac`` to ``\\frac`` and brace-less
    ``\\frac12``/``\\sqrt3`` to their braced forms.
    """
    text = strip_math_delimiters(text).replace("$", "")
    previous = None
    while previous != text:  # nested wrappers: \text{\textbf{5}}
        previous = text
        text = _TEXT_WRAPPER.sub(r"\1", text)
    text = _NOISE.sub("", text)
    text = _SPACING.sub(" ", text)
    text = _DEGREES.sub("", text)
    text = _FRAC_VARIANTS.sub(r"\\frac", text)
    text = _FRAC_BARE_BOTH.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_BARE_FIRST.sub(r"\\frac{\1}{", text)
    text = _SQRT_BARE.sub(r"\\sqrt{\1}", text)
    text = _BRACED_COMMA.sub(",", text)
    text = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)
    text = _SPACES.sub(" ", text).strip()
    text = text.rstrip(".").rstrip()
    if text.endswith("\\%"):
        text = text[:-2].rstrip()
    elif text.endswith("%"):
        text = text[:-1].rstrip()
    return text


def string_key(normalized: str) -> str:
    """``normalized`` with every space removed: the key of the string comparison."""
    return normalized.replace(" ", "")
