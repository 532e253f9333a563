"""Text clean-up shared by ``extract`` and ``compare``: cheap, regex-only, never raises.

``normalize`` turns a candidate answer into a canonical LaTeX-ish string; ``string_key``
is that string with all whitespace dropped, for the cheapest (string) comparison.

Two markers survive normalization on purpose, because they change the value: a trailing
``%`` (``50\\%``, ``50 percent``) and a trailing ``°`` (``90^\\circ``, ``90 degrees``).
``compare`` reads them; everything else that carries no value (delimiters, ``\\text``,
sizing commands, spacing, units, thousands separators, trailing punctuation) is dropped.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

# Unicode a model may print instead of LaTeX.
_UNICODE = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u00d7": "\\times ",
    "\u22c5": "\\cdot ",
    "\u00b7": "\\cdot ",
    "\u2264": "\\le ",
    "\u2265": "\\ge ",
    "\u2260": "\\ne ",
    "\u221e": "\\infty ",
    "\u03c0": "\\pi ",
    "\u222a": "\\cup ",
    "\u2229": "\\cap ",
    "\u221a": "\\sqrt",
    "\u2205": "\\emptyset ",
    "\u2248": "\\approx ",
    "\u2026": "...",
}
_UNICODE_CHARS = re.compile("|".join(map(re.escape, _UNICODE)))
# Words after a value that change it or what is claimed: a bound ("5 or more", "at most"),
# an operation ("5 squared"), a count of parts ("5 halves"), a condition ("7 for others").
# Public for ``_words``, which reads the words after a number written in words the same way.
NOT_A_NOUN = frozenset(
    {"or", "and", "more", "less", "fewer", "most", "least", "at", "squared", "cubed", "times"}
    | {"plus", "minus", "over", "halves", "thirds", "quarters", "fourths", "fifths", "sixths"}
    | {"sevenths", "eighths", "ninths", "tenths", "hundredths", "thousandths", "millionths"}
    | {"not", "than", "maybe", "possibly", "approximately", "about", "roughly", "nearly"}
    | {"for", "if", "when", "unless", "except", "otherwise"}
    | {"am", "pm"}  # "3:45 PM" is not 3:45
)
# Words that scale the value before them: "2 million" is 2000000.
_MULTIPLIERS = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_NOT_UNIT_WORDS = "|".join(sorted(NOT_A_NOUN | set(_MULTIPLIERS)))
# A unit after a value, written as text: "5\text{ cm}", "3\,\mathrm{m}^2", "\text{ dollars}",
# "9.8\,\mathrm{m/s^2}", "8\pi\text{ square units}" (a value may end in a constant); but
# not the upright constants of "3 + 4\mathrm{i}" or "2\mathrm{e}".
_TEXT_UNIT = re.compile(
    r"(?:(?<=[\d}.])|(?<=\\pi))\s*(?:\\[,;:! ]|~|\s)*\\(?:text|mathrm|mbox|textrm|rm)\s*\{\s*"
    r"(?!(?:i|j|e)\s*\})(?!(?i:" + _NOT_UNIT_WORDS + r")\b)(?![AaPp]\.\s*[Mm]\b)"
    r"[A-Za-z](?:[A-Za-z./ ]|\^\{?-?\d\}?)*\}(?:\s*\^\s*\{?\d\}?)?\s*$"
)
# Text-mode wrappers whose content is the answer: "\text{5}" -> "5".
_TEXT_WRAPPER = re.compile(
    r"\\(?:text|textbf|textit|textrm|textnormal|mathrm|mathbf|mathit|mbox|boldsymbol)"
    r"\s*\{([^{}]*)\}"
)
# Sizing, spacing and display commands that carry no value.
_NOISE = re.compile(
    r"\\(?:left|right|middle|displaystyle|textstyle|big|Big|bigg|Bigg)(?![A-Za-z])\.?"
)
# "3+4\,i" is "3+4 i": punctuation spacing may touch a letter; "\quad" may not ("\quadrant").
_SPACING = re.compile(r"(?<!\\)\\(?:[!,;: ]|(?:quad|qquad)(?![A-Za-z]))|~")
# Degrees: "90^\circ", "90^{\circ}", "90°", "90\degree", "90 degrees".
_DEGREES = re.compile(
    r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|\\circ|°|\\degree(?![A-Za-z])|\s+degrees?)\s*$"
)
_PERCENT = re.compile(r"\s*(?:\\%|%|\s+percent|\s+pct)\s*$")
# A degree mark inside a trig function's argument belongs to the argument, not to the whole
# answer: "\sin 30^\circ" is sin(pi/6).
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z])")
_DEGREE_ARGUMENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°)")
# Currency: "\$5", "$5" inside text, "5 dollars", "€5", "USD 18".
_CURRENCY = re.compile(r"\\\$|[€£¥]|\\(?:euro|pounds)(?![A-Za-z])|^(?:USD|EUR|GBP|US)\s*(?=[\d.-])")
# A modulus after a residue: "3 \pmod 7", "3 \pmod{7}", "3 (\bmod 7)", "3 \mod 7". The
# residue is the answer; "x \equiv 3" then reads as "x = 3".
_MODULUS = re.compile(r"\s*\(?\s*\\(?:pmod|bmod|mod)(?![A-Za-z])\s*(?:\{[^{}]*\}|[\w]+)\s*\)?\s*$")
_EQUIV = re.compile(r"\\equiv(?![A-Za-z])")
# A congruence of a number, "2023 \equiv 7": the residue is the answer.
_NUMBER_CONGRUENCE = re.compile(r"^[\d\s^{}+*\\a-z()-]*?\\equiv(?![A-Za-z])\s*(.+)$")
# Binomial coefficients written another way: "{5 \choose 2}", "C(5, 2)", "_5C_2".
_CHOOSE = re.compile(r"^\{?\s*(\d+)\s*\\choose\s*(\d+)\s*\}?$|^C\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
# Ordinal suffixes: "10th", "3^{rd}", "3^{\text{rd}}" (the text wrapper is gone by now).
# Only the suffix the number takes ("4st" is not 4).
_ORDINAL = re.compile(r"(?<!\d)(\d+)(?:\^\s*\{?\s*(st|nd|rd|th)\s*\}?|(st|nd|rd|th)\b)")
# An article before a worded answer or an ordinal: "an ellipse", "the 10th term"; not
# before variables ("a xy" is not xy).
_ARTICLE = re.compile(
    r"^(?:the|an?)\s+(?=(?:[A-Za-z]{3,}[\s-]*)+$|\d+(?:st|nd|rd|th)\b)", re.IGNORECASE
)
# A qualifier after the answer proper: "f(x) = x for all x \in \mathbb{R}", "n = 2^k where
# k \ge 0". The answer is what it qualifies; but not "5 for some n, 7 for others" or a
# piecewise "x for x \ge 0, -x otherwise": those say more than one thing.
_QUALIFIER = re.compile(
    r"(?<=\S)\s*,?\s+(?:for (?:all|every|any|each|some)\b|for [A-Za-z] ?(?:\\[a-z]+|[<>=])|where\b)"
    r"(?!.*\b(?:otherwise|else|others?)\b).*$",
    re.DOTALL,
)
# A reason in parentheses after the answer: "17 (since a_18 = 53 > 50)".
_REASON = re.compile(
    r"(?<=\S)\s*\((?:since|because|as(?! well)|which|i\.e\.|from|by|using|so)\b[^()]*\)$",
    re.IGNORECASE,
)
# "3 and 1/2" is the mixed number "3 1/2".
_AND_FRACTION = re.compile(
    r"(?<![\d.])(\d+)\s+and\s+(?=\d+\s*/\s*\d+\s*$|\\frac\{\d+\}\{\d+\}\s*$)"
)
# "\dfrac", "\tfrac", "\cfrac" -> "\frac".
_FRAC_VARIANTS = re.compile(r"\\[dtc]frac(?![A-Za-z])")
# Brace-less arguments: "\frac12" -> "\frac{1}{2}", "\frac1{x}", "\sqrt3" -> "\sqrt{3}".
_FRAC_BARE_BOTH = re.compile(r"\\frac\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])")
_FRAC_BARE_FIRST = re.compile(r"\\frac\s*([0-9a-zA-Z])\s*\{")
_FRAC_BARE_SECOND = re.compile(r"\\frac\s*(\{[^{}]*\})\s*([0-9a-zA-Z])")
_SQRT_BARE = re.compile(r"\\sqrt\s*([0-9a-zA-Z])")
# A repeating decimal: "0.\overline{3}", "1.2\overline{45}" (the digits under the bar repeat).
_REPEATING = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d{1,12})\}")
# A repeating decimal written out: "0.333...", "0.4545\ldots", "0.1666\dots". The digits
# say what repeats; "3.14159..." repeats nothing and stays the decimal it shows.
_ELLIPSIS_DECIMAL = re.compile(
    r"(?<![\d.])(\d*)\.(\d{1,40})\s*(?:\.{3}|\\[lc]?dots(?![A-Za-z])|\\dotsc(?![A-Za-z]))"
)
# Dots over the repeating digits: "0.1\dot{6}", "0.\dot{1}\dot{2}" (first to last dotted).
_DOT_REPEATING = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\dot\s*\{?(\d)\}?(?:(\d*)\\dot\s*\{?(\d)\}?)?")
# "\log_e 2", "\log_{e}(2)": the natural logarithm.
_LOG_E = re.compile(r"\\log\s*_\s*\{?\s*e\s*\}?(?![A-Za-z])")
# An approximate value given alone: "\approx 7.1" is 7.1.
_LEADING_APPROX = re.compile(r"^(?:\\approx|\\sim|\\simeq)(?![A-Za-z])\s*")
# LaTeX's "1{,}000" thousands separator.
_BRACED_COMMA = re.compile(r"\{,\}")
# "1,000" and "12,345,678.5" but not "1,2", "1, 000" or "1,0000": groups of exactly three.
# Not the arguments of a function: "\gcd(84,126)".
_THOUSANDS = re.compile(r"(?<![\d.,])(?<![A-Za-z}]\()(\d{1,3}(?:,\d{3})+)(?![\d,])")
# Words that are never units: the words above, and names of functions and constants.
_NOT_UNITS = NOT_A_NOUN | frozenset(
    {"sqrt", "sin", "cos", "tan", "log", "ln", "exp", "pi", "infty", "inf", "oo"}
)
# A number (or a simple numeric LaTeX value) followed by words: "12 apples", "4.5 cm^2".
# A value may be a mixed number ("5 1/3 cups"); a unit may be one SI letter after a space
# ("3600 s", "5 km/h").
_VALUE_THEN_WORDS = re.compile(
    r"^(-?(?:\d+ \d+/\d+|\d+ ?\\frac\{\d+\}\{\d+\}|\d+/\d+|\d[\d.,]*|\\frac\{\d+\}\{\d+\}"
    r"|\d*\\sqrt\{\d+\}|\d*\\pi)(?:\s*[%°])?)"
    r"\s+((?:(?:[A-Za-z]{2,}|[smghLJNWVK](?![A-Za-z]))\.?(?:\s*\^\s*\{?\d\}?)?[\s/]*){1,4})$"
)
_INFINITY_WORDS = re.compile(r"(?<![A-Za-z\\])(?:infinity|inf)(?![A-Za-z])|\\infin(?![A-Za-z])")
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


def _strip_value_words(text: str) -> str:
    """ "12 apples" -> "12": words after a plain value are units or nouns, not the answer."""
    match = _VALUE_THEN_WORDS.match(text)
    if not match:
        return text
    words = [word.lower() for word in re.findall(r"[A-Za-z]+", match.group(2))]
    if any(word in _NOT_UNITS for word in words):
        return text
    value = match.group(1)
    if words[0] in _MULTIPLIERS and re.fullmatch(r"-?\d+(?:\.\d+)?", value):
        scaled = Fraction(value)
        for word in itertools.takewhile(lambda w: w in _MULTIPLIERS, words):
            scaled *= _MULTIPLIERS[word]  # "2 hundred thousand", "2.5 million eggs"
        return str(scaled)
    return value


def _repeating_fraction(match: re.Match[str]) -> str:
    """ "0.1\\overline{6}" -> "\\frac{1}{6}": exact, so it compares as the number it denotes."""
    whole, fixed, repeat = match.group(1) or "0", match.group(2), match.group(3)
    # x = whole.fixed(repeat)... : 10^(f+r) x - 10^f x = int(whole fixed repeat) - int(whole fixed)
    value = Fraction(
        int(whole + fixed + repeat) - int(whole + fixed),
        10 ** len(fixed) * (10 ** len(repeat) - 1),
    )
    if value.denominator == 1:
        return str(value.numerator)
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def _period(digits: str) -> tuple[str, str] | None:
    """(fixed, repeating) digits when ``digits`` ends in a block shown at least twice and
    in three digits or more ("333", "4545", "1666"), the earliest and shortest such split;
    None otherwise. "1.22..." may be 1.2247 cut short, so two digits are not enough."""
    for start in range(len(digits) - 1):
        tail = digits[start:]
        for size in range(1, len(tail) // 2 + 1):
            if tail[size:] == tail[:-size] and len(tail) >= max(3, 2 * size):  # period size
                return digits[:start], tail[:size]
    return None


def _written_repeating(match: re.Match[str]) -> str:
    whole, digits = match.group(1), match.group(2)
    period = _period(digits)
    if period is None:
        return f"{whole}.{digits}"
    return f"{whole}.{period[0]}\\overline{{{period[1]}}}"


def _dotted_repeating(match: re.Match[str]) -> str:
    whole, fixed, first, middle, last = match.groups()
    repeat = first + (middle or "") + (last or "")
    return f"{whole}.{fixed}\\overline{{{repeat}}}"


def _cardinal(match: re.Match[str]) -> str:
    """ "3rd" -> "3", when the suffix is the one its number takes."""
    number = int(match.group(1))
    suffix = match.group(2) or match.group(3)
    wanted = (
        "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return match.group(1) if suffix == wanted else match.group(0)


def _unwrap_text(text: str) -> str:
    previous = None
    while previous != text:  # nested wrappers: \text{\textbf{5}}
        previous = text
        text = _TEXT_WRAPPER.sub(r"\1", text)
    return text


def normalize(text: str) -> str:
    """Canonical form of one answer string (whitespace runs collapsed to one space).

    Strips ``$`` and other math delimiters, ``\\text{...}`` wrappers, ``\\left``/``\\right``,
    spacing commands, units after a value (``5\\text{ cm}``, ``12 apples``), currency
    signs, a trailing ``.``, ``,`` or ``;`` and thousands separators in digit groups of
    exactly three (``1,000`` -> ``1000``, but ``1,2`` stays a pair); rewrites
    ``\\dfrac``/``\\tfrac`` to ``\\frac``, brace-less ``\\frac12``/``\\sqrt3`` to their
    braced forms, and a trailing percent or degree mark to ``%`` or ``°``.

    Examples:
        >>> normalize(r"$\\dfrac12\\text{ cm}$.")
        '\\\\frac{1}{2}'
        >>> normalize(r"50\\%")
        '50%'
    """
    text = _UNICODE_CHARS.sub(lambda m: _UNICODE[m.group(0)], text)
    text = strip_math_delimiters(text)
    text = _CURRENCY.sub("", text.strip()).replace("$", "")
    text = _NOISE.sub("", text)
    text = _SPACING.sub(" ", text)
    # Before trailing dots are dropped as punctuation: they may say the digits repeat.
    text = _ELLIPSIS_DECIMAL.sub(_written_repeating, text)
    text = _DOT_REPEATING.sub(_dotted_repeating, text)
    text = _LEADING_APPROX.sub("", text.strip())
    text = _LOG_E.sub(r"\\ln ", text)
    text = text.strip().rstrip(".,;").strip()
    text = _TEXT_UNIT.sub("", text)
    text = _unwrap_text(text)
    text = _SPACES.sub(" ", text).strip().rstrip(".,;").strip()
    text = _QUALIFIER.sub("", _REASON.sub("", text))
    text = _MODULUS.sub("", text)
    congruence = _NUMBER_CONGRUENCE.match(text)
    if congruence and not re.search(r"(?<!\\)\b[a-z]\b", text.split("\\equiv")[0]):
        text = congruence.group(1).strip()
    text = _EQUIV.sub("=", text)
    text = _ARTICLE.sub("", text)
    text = _ORDINAL.sub(_cardinal, text)
    choose = _CHOOSE.match(text)
    if choose:
        n, k = (g for g in choose.groups() if g is not None)
        text = f"\\binom{{{n}}}{{{k}}}"
    text = _AND_FRACTION.sub(r"\1 ", text)
    if _TRIG.search(text):
        text = _DEGREE_ARGUMENT.sub(r"(\1\\pi/180)", text)
    marker = ""
    if _PERCENT.search(text):
        text, marker = _PERCENT.sub("", text), "%"
    elif _DEGREES.search(text):
        text, marker = _DEGREES.sub("", text), "°"
    text = _strip_value_words(text)
    text = _FRAC_VARIANTS.sub(r"\\frac", text)
    text = _FRAC_BARE_BOTH.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_BARE_FIRST.sub(r"\\frac{\1}{", text)
    text = _FRAC_BARE_SECOND.sub(r"\\frac\1{\2}", text)
    text = _SQRT_BARE.sub(r"\\sqrt{\1}", text)
    text = _REPEATING.sub(_repeating_fraction, text)
    text = _BRACED_COMMA.sub(",", text)
    text = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)
    text = _INFINITY_WORDS.sub(r"\\infty", text)
    text = _SPACES.sub(" ", text).strip()
    return text + marker if text else ""


_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")


def string_key(normalized: str) -> str:
    """``normalized`` with every space removed but one between two digits: the key of the
    string comparison ("3 1/4" is not "31/4")."""
    return " ".join(part.replace(" ", "") for part in _DIGIT_GAP.split(normalized))
