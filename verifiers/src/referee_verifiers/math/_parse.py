"""From a normalized answer string to a structured ``Answer``; used by ``compare``.

Structure (sets, tuples, intervals, unions, equations, several answers) is recognised
here by splitting at top-level delimiters; every scalar inside goes to a real parser:
plain numbers to ``fractions.Fraction`` (no sympy at all, the cheap path), LaTeX to
``latex2sympy2_extended``, plain text (``x**2 + 1``) to a restricted sympy ``parse_expr``.
Relations (``x \\le 3``, ``1 < x < 3``) and matrices go to ``latex2sympy2_extended`` whole.

Nothing here raises on bad input: what does not parse is an ``Answer`` of kind ``text``,
compared as a string. sympy's cost is bounded by guards against huge numbers, but not in
general: grade untrusted input through ``IsolatedPool``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import sympy  # type: ignore[import-untyped]
from latex2sympy2_extended import latex2sympy  # type: ignore[import-untyped]
from sympy.parsing.sympy_parser import (  # type: ignore[import-untyped]
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from referee_verifiers.math._normalize import string_key
from referee_verifiers.math._words import number_from_words

Kind = Literal[
    "scalar",
    "based",
    "equation",
    "relation",
    "set",
    "tuple",
    "list",
    "interval",
    "matrix",
    "choice",
    "approx",
    "clock",
    "ratio",
    "text",
]

# Answers longer than this are compared as strings only: parsing cost grows too fast.
MAX_PARSE_CHARS = 500
# A set, tuple or list with more elements than this is compared as a string.
MAX_ELEMENTS = 64
# A power whose value would have more decimal digits than this is refused.
MAX_POWER_DIGITS = 10_000
# A factorial of more than this is refused (10_000! has 35_660 digits).
MAX_FACTORIAL = 2_000
# Scientific notation beyond this exponent is not read as an exact number.
MAX_DECIMAL_EXPONENT = 400


@dataclass(frozen=True)
class Piece:
    """One interval of an interval or union: ``lo``/``hi`` are scalar answers."""

    lo: Answer
    hi: Answer
    left_open: bool
    right_open: bool


@dataclass(frozen=True)
class Answer:
    """A parsed answer.

    ``value`` by kind: ``scalar`` a ``Fraction`` (plain numbers) or a sympy expression;
    ``equation`` a (lhs, rhs) pair of scalar answers; ``relation`` a sympy relational;
    ``interval`` a tuple of ``Piece``; ``matrix`` a sympy matrix; ``choice`` the letter;
    ``based`` (a numeral in a base, ``1011_2``) a (digits, base) pair; ``approx`` (``4\\pi
    \\approx 12.57``) the (value, approximation) pair of scalar answers; ``clock``
    (``3:45 PM``, ``15:45``) the minutes after midnight, or after noon or midnight when no
    AM/PM says which (``3:45``; also a ratio, its terms in ``items``); ``ratio``
    (``2:3:4``) None, its terms in ``items``;
    otherwise None.
    ``items`` holds the elements of ``set``, ``tuple`` and ``list``, and the middle sides of
    an equation written as a chain (``x = 2^8 = 256``). ``marker`` is ``%`` or
    ``°`` when the answer carried one.
    """

    text: str
    kind: Kind
    value: Any = None
    items: tuple[Answer, ...] = ()
    marker: str = ""
    brackets: str = field(default="", compare=False)


# --- scalars -------------------------------------------------------------------------

_DECIMAL = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?")
_TIMES_TEN = re.compile(
    r"([-+]?(?:\d+\.?\d*|\.\d+))(?:\\times|\\cdot|\*|x)10\^(?:\{([-+]?\d+)\}|([-+]?\d))"
)
_FRACTION = re.compile(r"([-+]?)\(?([-+]?\d+)\)?/\(?([-+]?\d+)\)?")
_LATEX_FRACTION = re.compile(r"([-+]?)\\frac\{([-+]?\d+)\}\{([-+]?\d+)\}")
_SPACED_THOUSANDS = re.compile(r"-?\d{1,3}(?: \d{3})+(?:\.\d+)?")
_MIXED = re.compile(r"([-+]?)(\d+)(?:\\frac\{(\d+)\}\{(\d+)\}| (\d+)/(\d+))")

# Plain text goes to sympy's parse_expr, which evaluates Python. So: only these characters,
# no "__", no attribute access, and an evaluation namespace without builtins, where every
# unknown name becomes a Symbol.
_PLAIN_CHARS = re.compile(r"[0-9A-Za-z_+\-*/^().\s]*")
_ATTRIBUTE = re.compile(r"\.\s*[A-Za-z_]")
_PARSE_GLOBALS: dict[str, Any] = {
    "__builtins__": {},
    "Integer": sympy.Integer,
    "Float": sympy.Float,
    "Rational": sympy.Rational,
    "Symbol": sympy.Symbol,
    "Function": sympy.Function,
    "Mul": sympy.Mul,
    "Add": sympy.Add,
    "Pow": sympy.Pow,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "log": sympy.log,
    "ln": sympy.log,
    "exp": sympy.exp,
    "pi": sympy.pi,
    "e": sympy.E,
    "oo": sympy.oo,
}
_TRANSFORMS = (*standard_transformations, implicit_multiplication_application, convert_xor)
_IMAGINARY = sympy.Symbol("i")


def as_number(text: str) -> Fraction | None:
    """An exact value for a plain number, fraction or mixed number, else None.

    Examples:
        >>> as_number(r"-\\frac{3}{4}")
        Fraction(-3, 4)
        >>> as_number(r"2\\frac{1}{2}")
        Fraction(5, 2)
        >>> as_number("x") is None
        True
    """
    s = text.strip()
    if " " in s and not _MIXED.fullmatch(s):
        # "1 000 000" groups thousands; "2 3" is not a number.
        s = s.replace(" ", "") if _SPACED_THOUSANDS.fullmatch(s) else string_key(s)
    decimal = _DECIMAL.fullmatch(s)
    if decimal:
        exponent = decimal.group(1)
        if exponent is not None and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
            return None
        return Fraction(s)
    times_ten = _TIMES_TEN.fullmatch(s)
    if times_ten:
        exponent_text = times_ten.group(2) or times_ten.group(3)
        if abs(int(exponent_text)) > MAX_DECIMAL_EXPONENT:
            return None
        return Fraction(times_ten.group(1)) * Fraction(10) ** int(exponent_text)
    mixed = _MIXED.fullmatch(s)
    if mixed:
        num, den = int(mixed.group(3) or mixed.group(5)), int(mixed.group(4) or mixed.group(6))
        if den == 0 or num >= den:  # "2 5/3" is not how anyone writes a mixed number
            return None
        value = int(mixed.group(2)) + Fraction(num, den)
        return -value if mixed.group(1) == "-" else value
    for pattern in (_FRACTION, _LATEX_FRACTION):
        match = pattern.fullmatch(s)
        if match and int(match.group(3)) != 0:
            value = Fraction(int(match.group(2)), int(match.group(3)))
            return -value if match.group(1) == "-" else value
    return None


def _parse_plain(text: str) -> Any:
    if not _PLAIN_CHARS.fullmatch(text) or "__" in text or _ATTRIBUTE.search(text):
        return None
    return parse_expr(
        text,
        local_dict={},
        global_dict=dict(_PARSE_GLOBALS),
        transformations=_TRANSFORMS,
        evaluate=False,
    )


def _nested_factorial(expr: Any) -> bool:
    """A factorial of a factorial (``9!!!!``): its size cannot even be estimated cheaply,
    since estimating means evaluating the inner one. Checked on the tree, never evaluated."""
    return any(
        isinstance(node, (sympy.factorial, sympy.factorial2))
        and node.args[0].has(sympy.factorial, sympy.factorial2)
        for node in sympy.preorder_traversal(expr)
    )


def too_big(expr: Any) -> bool:
    """Whether evaluating ``expr`` would build an astronomically large number."""
    if _nested_factorial(expr):
        return True
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow) and node.base.is_number and node.exp.is_number:
            if node.exp.has(sympy.Pow) and not node.exp.is_Rational:
                inner = node.exp
                if too_big(inner):
                    return True
            try:
                base = abs(complex(sympy.N(node.base, 15)))
                exponent = abs(complex(sympy.N(node.exp, 15)))
            except (OverflowError, TypeError, ValueError):
                return True
            if base > 1 and exponent * math.log10(base) > MAX_POWER_DIGITS:
                return True
        if isinstance(node, sympy.factorial) and node.args[0].is_number:
            try:
                if abs(complex(sympy.N(node.args[0], 15))) > MAX_FACTORIAL:
                    return True
            except (OverflowError, TypeError, ValueError):
                return True
    return False


def _rationalize(expr: Any) -> Any:
    """Read every decimal as the exact rational it spells: ``0.5`` -> ``1/2``."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sympy.Rational(str(f)) for f in floats})


@lru_cache(maxsize=4096)
def as_expression(text: str) -> Any:
    """A sympy object for a LaTeX or plain-text answer, or None.

    None when it does not parse, is too long, or would build a huge number. Decimals are
    exact rationals and a free ``i`` is the imaginary unit. Cached: GRPO batches repeat.
    """
    if not text or len(text) > MAX_PARSE_CHARS:
        return None
    try:
        expr = None
        if "\\" not in text and "{" not in text:
            expr = _parse_plain(text)
        if expr is None:
            expr = latex2sympy(text)
        if isinstance(expr, sympy.MatrixExpr):  # "\frac{1}{5}\begin{pmatrix}..\end{pmatrix}"
            expr = expr.as_explicit()
        if isinstance(expr, sympy.MatrixBase):
            expr = sympy.ImmutableMatrix(expr)
        if not isinstance(expr, sympy.Basic) or too_big(expr):
            return None
        if _IMAGINARY in expr.free_symbols:
            expr = expr.xreplace({_IMAGINARY: sympy.I})
        return _rationalize(expr)
    except Exception:  # every parser failure means "not an expression we can judge"
        return None


def _scalar(text: str, marker: str = "") -> Answer:
    number = as_number(text)
    if number is not None:
        return Answer(text, "scalar", number, marker=marker)
    expr = as_expression(text)
    if isinstance(expr, sympy.Expr):
        return Answer(text, "scalar", expr, marker=marker)
    return Answer(text, "text", marker=marker)


# --- structure -----------------------------------------------------------------------

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(")]}")
# Top-level separators of several answers. Text wrappers are gone by now, so "\text{ or }"
# reads " or ".
_LIST_SEPARATOR = re.compile(r",|;|\s+(?:or|and)\s+")
_RELATION = re.compile(r"\\(?:le|ge|leq|geq|lt|gt|ne|neq|leqslant|geqslant)(?![A-Za-z])|<|>")
_EQUALS = re.compile(r"(?<![<>!\\])=")
_CUP = re.compile(r"\\cup(?![A-Za-z])|\s+U\s+")
_SET_WRAP = re.compile(r"^\\\{(.*)\\\}$", re.DOTALL)
# "C", "(C)", "option C", and an AMC-style letter followed by its option's value: "(B) 12",
# "B) 12", "B. 12"; but not "(C) and (D)" or "C. 12 or D. 15": another letter, another answer.
_CHOICE_LETTER = re.compile(
    r"^(?:(?i:option|choice)\s+)?\(?([A-J])\)?$"
    r"|^(?:\(([A-J])\)|([A-J])[).:])\s+(?!(?:and|or)\b)(?!.*(?<![A-Za-z\\])[A-J](?![A-Za-z]))\S"
)
# Matrix environments, and "array" as models write column vectors: \left(\begin{array}..
_MATRIX = re.compile(r"\\begin\{(?:[pbvBV]?matrix|array)\}")
# "x \in [1, 4]": membership in the set that is the answer.
_MEMBERSHIP = re.compile(r"^[A-Za-z]\s*\\in(?![A-Za-z])\s*(.+)$", re.DOTALL)
_SETMINUS = re.compile(r"\\setminus(?![A-Za-z])|\\backslash(?![A-Za-z])")
# How the conditions of a list were joined: "x < -1 or x > 2" is a union, "and" an
# intersection.
_AND = re.compile(r"\sand\s")
_OR = re.compile(r"\sor\s")
_REALS = frozenset({"\\mathbb{R}", "\\mathbb R", "\\R", "all real numbers", "\\mathbb{R}^1"})
# "x = \pm 2", not "\pmod".
_PLUS_MINUS = re.compile(r"\\pm(?![A-Za-z])")
_PHRASE = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+)*")
# Joiners and one-letter words do not make a phrase of "a and b"; these names are math.
_NOT_PROSE = frozenset({"and", "or", "pi", "infty", "inf", "oo", "sqrt", "exp"})
# Ways to say the answer is the empty set.
_NO_SOLUTION = re.compile(
    r"(?:there (?:is|are) )?(?:no(?: real| integer)? (?:solutions?|roots?|such \w+)|none"
    r"|(?:the )?(?:empty|null) set"
    r"|\\emptyset|\\varnothing|\\\{\s*\\\}|\{\s*\})",
    re.IGNORECASE,
)
_ANGLE = re.compile(r"^\\langle(.*)\\rangle$", re.DOTALL)
# Set-builder notation: "\{x \mid x > 2\}", "\{x \in \mathbb{R} : x \ne 0\}"; the condition
# is the answer.
_SET_BUILDER = re.compile(
    r"^\\\{\s*[A-Za-z]\s*(?:\\in\s*(?:\\mathbb\s*\{?R\}?|\\R)\s*)?(?:\\mid|\||:)\s*(.+)\\\}$",
    re.DOTALL,
)
_APPROX = re.compile(r"\\approx(?![A-Za-z])")
# A time of day: "3:45", "3:45 PM", "15:45", "6:30 p.m.".
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?:\s*([AaPp])\.?\s*[Mm]\.?)?$")
# A ratio: "2:3", "2 : 3 : 4" (latex2sympy would read the colons as divisions).
_COLON = re.compile(r"(?<![:=])\s*:\s*(?![:=])")
# A numeral in a base: "1011_2", "1011_{2}", "FF_{16}". Lowercase letters are variables
# ("a_{12}" is a term of a sequence), so digits past 9 must be capitals.
_BASED = re.compile(r"^([0-9A-Z]+)_\{?(\d{1,2})\}?$")


def _split_top(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` split at matches of ``separator`` outside any bracket or brace."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and text.startswith("\\begin", i):
            depth += 1
        elif char == "\\" and text.startswith("\\end", i):
            depth -= 1
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif depth == 0:
            match = separator.match(text, i)
            if match and match.end() > i:
                parts.append(text[start:i])
                start = i = match.end()
                continue
        i += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _enclosed(text: str) -> tuple[str, str, str] | None:
    """(opening, inner, closing) when one bracket pair wraps all of ``text``."""
    if len(text) < 2 or text[0] not in "([" or text[-1] not in ")]":
        return None
    depth = 0
    for i, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return None
    return text[0], text[1:-1], text[-1]


def _elements(inner: str) -> tuple[Answer, ...] | None:
    parts = _split_top(inner, re.compile(","))
    if len(parts) > MAX_ELEMENTS or any(not p for p in parts):
        return None
    return tuple(parse_answer(p) for p in parts)


def _clock(text: str) -> Answer | None:
    """A time of day as minutes after midnight; a 12-hour time without AM/PM is ambiguous
    and keeps only its place on the dial (``value`` negative: minutes after 12 o'clock)."""
    match = _CLOCK.match(text)
    if match is None:
        return None
    hours, minutes, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if minutes >= 60 or hours > 24 or (half and not 1 <= hours <= 12):
        return None
    if half:
        return Answer(text, "clock", (hours % 12 + (12 if half in "Pp" else 0)) * 60 + minutes)
    # Without AM/PM it may be a ratio too ("4:15"): its terms go along, for compare.
    terms = (_scalar(match.group(1)), _scalar(match.group(2)))
    if hours == 0 or hours > 12 or match.group(1).startswith("0"):  # 24-hour: "15:45", "09:30"
        return Answer(text, "clock", hours * 60 + minutes, items=terms)
    return Answer(text, "clock", -((hours % 12) * 60 + minutes) - 1, items=terms)


def _set_items(inner: str) -> tuple[Answer, ...] | None:
    """The elements of a set, an element written ``\\pm 1`` counting as two."""
    items = _elements(inner)
    if items is None:
        return None
    spread: list[Answer] = []
    for item in items:
        two = item.kind == "list" and len(item.items) == 2 and _PLUS_MINUS.search(item.text)
        spread.extend(item.items if two else (item,))
    return tuple(spread)


def _interval(text: str) -> Answer | None:
    """``[a, b)`` and friends, and unions of them with ``\\cup``."""
    pieces = []
    for part in _split_top(text, _CUP):
        enclosed = _enclosed(part)
        if enclosed is None:
            return None
        opening, inner, closing = enclosed
        bounds = _split_top(inner, re.compile(","))
        if len(bounds) != 2 or not all(bounds):
            return None
        lo, hi = _scalar(bounds[0]), _scalar(bounds[1])
        if lo.kind != "scalar" or hi.kind != "scalar":
            return None
        pieces.append(Piece(lo, hi, opening == "(", closing == ")"))
    return Answer(text, "interval", tuple(pieces))


def _relation(text: str) -> Answer:
    expr = as_expression(text) if len(text) <= MAX_PARSE_CHARS else None
    if isinstance(expr, (sympy.core.relational.Relational, sympy.And, sympy.Or)):
        return Answer(text, "relation", expr)
    return Answer(text, "text")


def _joined_relations(text: str, items: tuple[Answer, ...]) -> Answer | None:
    """ "x < -1 or x > 2": one condition on one variable, not several answers.

    Joined by "or", any of them may hold (the union); by "and", all at once. Joined by
    commas alone it is not said which, so they stay a list.
    """
    if not all(item.kind == "relation" for item in items):
        return None
    if len(set().union(*(item.value.free_symbols for item in items))) != 1:
        return None
    join = sympy.Or if _OR.search(text) else sympy.And if _AND.search(text) else None
    if join is None:
        return None
    return Answer(text, "relation", join(*(item.value for item in items)))


def _pieces(value: Any) -> tuple[Piece, ...] | None:
    """A sympy set of reals as interval pieces, or None when it is not made of intervals."""
    value = value.func(*value.args)  # the parser leaves "R \\ {0}" unevaluated
    if value == sympy.S.Reals:
        value = sympy.Interval(-sympy.oo, sympy.oo)
    parts = value.args if isinstance(value, sympy.Union) else (value,)
    if not all(isinstance(part, sympy.Interval) for part in parts):
        return None
    return tuple(
        Piece(
            Answer(str(part.start), "scalar", part.start),
            Answer(str(part.end), "scalar", part.end),
            bool(part.left_open),
            bool(part.right_open),
        )
        for part in parts
    )


def _set_expression(text: str) -> Answer:
    """ "\\mathbb{R} \\setminus \\{0\\}": the intervals the set difference leaves."""
    value = as_expression(text)
    try:
        pieces = _pieces(value) if isinstance(value, sympy.Set) else None
    except Exception:  # sympy cannot evaluate the difference: not a set we can compare
        pieces = None
    return Answer(text, "interval", pieces) if pieces else Answer(text, "text")


def _based(text: str) -> Answer | None:
    """``1011_2`` as the digits ``1011`` in base 2; None unless they are valid there."""
    match = _BASED.match(text)
    if match is None:
        return None
    digits, base = match.group(1), int(match.group(2))
    try:
        if not 2 <= base <= 36:
            return None
        int(digits, base)
    except ValueError:
        return None
    return Answer(text, "based", (digits.lstrip("0") or "0", base))


def _is_phrase(text: str) -> bool:
    """Plain words ("Monday", "no solution", "twenty-one") are a text answer, not a product
    of one-letter variables; "a and b" or "x" are not words."""
    if not _PHRASE.fullmatch(text):
        return False
    words = re.split(r"[ -]", text.lower())
    return any(len(word) >= 3 and word not in _NOT_PROSE for word in words) or text in ("no", "No")


def _brace_group(text: str) -> str | None:
    """The inside of a plain ``{...}`` wrapping all of ``text``, else None."""
    if not (text.startswith("{") and text.endswith("}")):
        return None
    depth = 0
    for i, char in enumerate(text):
        if char == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif char == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return None
    return text[1:-1]


@lru_cache(maxsize=8192)
def parse_answer(text: str) -> Answer:
    """Parse a normalized answer. Cached: a GRPO batch repeats golds and answers.

    Examples:
        >>> parse_answer(r"\\{1, 2\\}").kind
        'set'
        >>> parse_answer("[2, 5)").kind
        'interval'
        >>> parse_answer("x = 2").kind
        'equation'
    """
    text = text.strip()
    marker = ""
    if text[-1:] in ("%", "°"):
        text, marker = text[:-1].strip(), text[-1]
    if not text or len(text) > MAX_PARSE_CHARS:
        return Answer(text, "text", marker=marker)
    # "x = \pm 2" is two answers; inside a set, "\{0, \pm 1\}", two elements (_set_items).
    if len(_PLUS_MINUS.findall(text)) == 1 and not _SET_WRAP.match(text):
        plus, minus = _PLUS_MINUS.sub("+", text), _PLUS_MINUS.sub("-", text)
        return Answer(text, "list", items=(parse_answer(plus), parse_answer(minus)))
    choice = _CHOICE_LETTER.match(text)
    if choice:
        return Answer(text, "choice", next(letter for letter in choice.groups() if letter))
    membership = _MEMBERSHIP.match(text)
    if membership:
        return parse_answer(membership.group(1) + marker)
    if text in _REALS:
        high = Answer("\\infty", "scalar", sympy.oo)
        low = Answer("-\\infty", "scalar", -sympy.oo)
        return Answer(text, "interval", (Piece(low, high, True, True),))
    based = _based(text)
    if based is not None:
        return based
    if _NO_SOLUTION.fullmatch(text):
        return Answer(text, "set")
    if _is_phrase(text):
        number = number_from_words(text)
        if number is not None:
            return Answer(text, "scalar", number, marker=marker)
        return Answer(text, "text", marker=marker)
    angle = _ANGLE.match(text)
    if angle:
        items = _elements(angle.group(1))
        return Answer(text, "tuple", items=items) if items else Answer(text, "text")
    clock = _clock(text)
    if clock is not None:
        return clock
    terms = _split_top(text, _COLON)
    if len(terms) > 1:
        items = tuple(_scalar(term) for term in terms)
        if all(item.kind == "scalar" for item in items):
            return Answer(text, "ratio", items=items)
        return Answer(text, "text")
    approx = _split_top(text, _APPROX)
    if len(approx) == 2 and all(approx):
        if marker:  # "50.4 \approx 50\%": which side the mark belongs to is not said
            return Answer(text + marker, "text")
        value, approximation = parse_answer(approx[0]), parse_answer(approx[1])
        if value.kind == "equation" and _EQUALS.search(approx[0]):  # "A = 4\pi \approx 12.57"
            value = value.value[1]
        if value.kind == approximation.kind == "scalar":
            return Answer(text, "approx", (value, approximation))
        return Answer(text, "text")
    enclosed = _enclosed(text)
    if enclosed is not None and _MATRIX.match(enclosed[1]):  # "[\begin{array}..\end{array}]"
        return parse_answer(enclosed[1])
    if _MATRIX.search(text):  # "\begin{pmatrix}..", "\frac{1}{5}\begin{pmatrix}.."
        matrix = as_expression(text)
        if isinstance(matrix, sympy.MatrixBase):
            return Answer(text, "matrix", matrix)
        if _MATRIX.match(text):
            return Answer(text, "text")
    parts = _split_top(text, _LIST_SEPARATOR)
    if len(parts) > 1:
        if len(parts) > MAX_ELEMENTS or not all(parts):
            return Answer(text, "text")
        items = tuple(parse_answer(p) for p in parts)
        return _joined_relations(text, items) or Answer(text, "list", items=items)
    if _SETMINUS.search(text) and _split_top(text, _SETMINUS)[1:]:  # cheap test first
        return _set_expression(text)
    group = _brace_group(text)
    if group is not None:  # plain-text "{1, 2, 3}": a set; "{5}": a LaTeX group
        items = _elements(group) if group.strip() else ()
        if items is None:
            return Answer(text, "text")
        return Answer(text, "set", items=items) if len(items) != 1 else items[0]
    if _split_top(text, _CUP)[1:]:
        return _interval(text) or _relation(text)
    builder = _SET_BUILDER.match(text)
    if builder:
        condition = parse_answer(builder.group(1).strip())
        return condition if condition.kind == "relation" else Answer(text, "text")
    set_wrap = _SET_WRAP.match(text)
    if set_wrap:
        inner = set_wrap.group(1).strip()
        items = _set_items(inner) if inner else ()
        if items is None:
            return Answer(text, "text")
        return Answer(text, "set", items=items)
    if enclosed is not None:
        opening, inner, closing = enclosed
        items = _elements(inner)
        if items is not None and len(items) == 2 and (opening, closing) != ("(", ")"):
            if all(item.kind in ("tuple", "interval") for item in items):  # "[[1, 2], [3, 4]]"
                return Answer(text, "tuple", items=items, brackets=opening + closing)
            return _interval(text) or Answer(text, "text")
        if items is not None and len(items) >= 2:
            return Answer(text, "tuple", items=items, brackets=opening + closing)
        if items is not None and len(items) == 1 and opening == "(":
            return parse_answer(inner + marker)
    sides = _split_top(text, _EQUALS)
    if len(sides) > 1:
        if not (sides[0] and sides[-1]):
            return Answer(text, "text")
        lhs, rhs = parse_answer(sides[0]), parse_answer(sides[-1] + marker)
        if _named_tuple(lhs, rhs):  # "(p, q) = (2, 3)" says "p = 2, q = 3"
            items = tuple(
                Answer(f"{name.text}={value.text}", "equation", (name, value))
                for name, value in zip(lhs.items, rhs.items, strict=True)
            )
            return Answer(text, "list", items=items)
        # A chain "x = 2^8 = 256": the sides between are kept, for compare to check.
        middle = tuple(parse_answer(side) for side in sides[1:-1])
        return Answer(text, "equation", (lhs, rhs), items=middle)
    if _RELATION.search(text):
        return _relation(text)
    return _scalar(text, marker)


def _named_tuple(lhs: Answer, rhs: Answer) -> bool:
    """Whether ``lhs = rhs`` names each entry of a tuple: ``(p, q) = (2, 3)``."""
    return (
        lhs.kind == rhs.kind == "tuple"
        and len(lhs.items) == len(rhs.items)
        and all(isinstance(item.value, sympy.Symbol) for item in lhs.items)
    )


def to_sympy(answer: Answer) -> Any:
    """A scalar answer's value as a sympy expression."""
    if isinstance(answer.value, Fraction):
        return sympy.Rational(answer.value.numerator, answer.value.denominator)
    return answer.value
