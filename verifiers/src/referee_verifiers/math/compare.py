"""Is an extracted answer equivalent to the gold answer? Cheapest rule first.

Rules, in order, each named in the result:

- ``string``: equal after ``normalize`` (whitespace ignored).
- ``numeric``: both sides are plain numbers (integers, decimals, scientific ``1e3``,
  ``a/b``, ``\\frac{a}{b}``, signed), compared exactly as rationals: ``0.5`` equals
  ``\\frac{1}{2}``, ``0.333`` does not equal ``1/3``.
- ``symbolic``: both sides parse with sympy (LaTeX through ``latex2sympy2_extended``,
  plain text through a restricted ``parse_expr``). Decimals are read as exact rationals.
  Two constants where one is irrational (``\\sqrt{2}`` vs ``1.41421356237``) are equal
  within a relative tolerance of 1e-9; otherwise equal when ``simplify(a - b) == 0`` or
  ``a.equals(b)``.

A failure to parse or to simplify means "not equivalent", never an exception. Known
limits of this first slice: no sets/tuples/intervals beyond structural equality, no
equations, units or percent-as-fraction. Guards keep hostile input (huge powers, very long
expressions) cheap, but sympy's cost is not bounded in general: call ``compare`` through
a deadline (``IsolatedPool``).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy  # type: ignore[import-untyped]
from latex2sympy2_extended import latex2sympy  # type: ignore[import-untyped]
from sympy.parsing.sympy_parser import (  # type: ignore[import-untyped]
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from referee_verifiers.math._normalize import normalize, string_key

# Answers longer than this are compared as strings only: parsing cost grows too fast.
MAX_PARSE_CHARS = 500
# Expressions with more operations than this are not simplified.
MAX_SIMPLIFY_OPS = 200
# A power whose value would have more decimal digits than this is refused.
MAX_POWER_DIGITS = 10_000
# Scientific notation beyond this exponent is not read as an exact number.
MAX_DECIMAL_EXPONENT = 400
# Two constants, at least one irrational, are equal within this relative tolerance.
RELATIVE_TOLERANCE = 1e-9

_DECIMAL = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?")
_FRACTION = re.compile(r"([-+]?)\(?([-+]?\d+)\)?/\(?(\d+)\)?")
_LATEX_FRACTION = re.compile(r"([-+]?)\\frac\{([-+]?\d+)\}\{(\d+)\}")

# Plain text goes to sympy's parse_expr, which evaluates Python. So: only these characters,
# no "__", no attribute access, and an evaluation namespace without builtins, where every
# unknown name becomes a Symbol.
_PLAIN_CHARS = re.compile(r"[0-9A-Za-z_+\-*/^().,\s]*")
_ATTRIBUTE = re.compile(r"\.\s*[A-Za-z_]")
_PLAIN_FUNCTIONS: dict[str, Any] = {
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "log": sympy.log,
    "ln": sympy.log,
    "exp": sympy.exp,
    "pi": sympy.pi,
    "oo": sympy.oo,
}
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
    **_PLAIN_FUNCTIONS,
}
_TRANSFORMS = (*standard_transformations, implicit_multiplication_application, convert_xor)


def as_number(text: str) -> Fraction | None:
    """An exact value for a normalized plain number or integer fraction, else None.

    Examples:
        >>> as_number(r"-\\frac{3}{4}")
        Fraction(-3, 4)
        >>> as_number("x") is None
        True
    """
    s = string_key(text)
    decimal = _DECIMAL.fullmatch(s)
    if decimal:
        exponent = decimal.group(1)
        if exponent is not None and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
            return None
        return Fraction(s)
    for pattern in (_FRACTION, _LATEX_FRACTION):
        match = pattern.fullmatch(s)
        if match and int(match.group(3)) != 0:
            value = Fraction(int(match.group(2)), int(match.group(3)))
            return -value if match.group(1) == "-" else value
    return None


def _parse_plain(text: str) -> sympy.Basic | None:
    if not _PLAIN_CHARS.fullmatch(text) or "__" in text or _ATTRIBUTE.search(text):
        return None
    expr = parse_expr(
        text,
        local_dict={},
        global_dict=dict(_PARSE_GLOBALS),
        transformations=_TRANSFORMS,
        evaluate=False,
    )
    return expr if isinstance(expr, sympy.Basic) else None


def _too_big(expr: sympy.Basic) -> bool:
    """Whether evaluating ``expr`` would build an astronomically large number."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow) and node.base.is_number and node.exp.is_number:
            try:
                base = abs(complex(sympy.N(node.base, 15)))
                exponent = abs(complex(sympy.N(node.exp, 15)))
            except (OverflowError, TypeError, ValueError):
                return True
            if base > 1 and exponent * math.log10(base) > MAX_POWER_DIGITS:
                return True
    return False


def _rationalize(expr: sympy.Basic) -> sympy.Basic:
    """Read every decimal as the exact rational it spells: ``0.5`` -> ``1/2``."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sympy.Rational(str(f)) for f in floats})


@lru_cache(maxsize=1024)
def as_expression(text: str) -> sympy.Basic | None:
    """A sympy object for a normalized LaTeX or plain-text answer, or None.

    None when it does not parse, is too long, or would build a huge number. Cached: GRPO
    batches compare many answers with one gold.
    """
    if not text or len(text) > MAX_PARSE_CHARS:
        return None
    try:
        expr = None
        if "\\" not in text and "{" not in text:
            expr = _parse_plain(text)
        if expr is None:
            expr = latex2sympy(text)
        if not isinstance(expr, sympy.Basic) or _too_big(expr):
            return None
        return _rationalize(expr)
    except Exception:  # every parser failure means "not an expression we can judge"
        return None


def _close(a: sympy.Expr, b: sympy.Expr) -> bool:
    x, y = complex(sympy.N(a, 30)), complex(sympy.N(b, 30))
    return abs(x - y) <= RELATIVE_TOLERANCE * max(abs(x), abs(y))


def _equivalent(a: sympy.Basic, b: sympy.Basic) -> bool:
    if a == b:
        return True
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return False  # sets, relations, ...: structural equality only, for now
    if a.is_number and b.is_number and not (a.is_Rational and b.is_Rational):
        return _close(a, b)
    if sympy.count_ops(a) + sympy.count_ops(b) > MAX_SIMPLIFY_OPS:
        return False
    if sympy.simplify(a - b) == 0:
        return True
    return bool(a.equals(b))


def compare(gold: str, answer: str) -> tuple[bool, str]:
    """Whether ``answer`` is equivalent to ``gold``, and the rule that decided.

    The rule is ``"string"``, ``"numeric"`` or ``"symbolic"``: the last rule tried.

    Examples:
        >>> compare("0.5", r"\\frac{1}{2}")
        (True, 'numeric')
        >>> compare("2(x+1)", "2x+2")
        (True, 'symbolic')
    """
    gold_text, answer_text = normalize(gold), normalize(answer)
    if not gold_text or not answer_text:
        return False, "string"
    if string_key(gold_text) == string_key(answer_text):
        return True, "string"
    gold_number, answer_number = as_number(gold_text), as_number(answer_text)
    if gold_number is not None and answer_number is not None:
        return gold_number == answer_number, "numeric"
    gold_expr = as_expression(gold_text)
    answer_expr = as_expression(answer_text) if gold_expr is not None else None
    if gold_expr is None or answer_expr is None:
        return False, "string"
    try:
        return _equivalent(gold_expr, answer_expr), "symbolic"
    except Exception:  # sympy raises many types on odd input; none of them means "equal"
        return False, "symbolic"
