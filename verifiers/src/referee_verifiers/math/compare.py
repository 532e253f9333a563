"""Is an extracted answer equivalent to the gold answer? Cheapest rule first.

Rules, each named in the result:

- ``string``: equal after ``normalize`` (whitespace ignored; case too for plain words).
- ``numeric``: both sides are plain numbers (integers, decimals, scientific ``1e3`` or
  ``1.5\\times10^{3}``, ``a/b``, ``\\frac{a}{b}``, mixed ``2\\frac{1}{2}``), compared as
  exact rationals within ``rel_tol``: ``0.5`` equals ``\\frac{1}{2}``, ``0.333`` does not
  equal ``1/3``. A ``%`` or ``°`` mark may be read either way: ``50\\%`` equals ``50`` and
  ``0.5``; ``90°`` equals ``90`` and ``\\frac{\\pi}{2}``.
- ``symbolic``: sympy. Constants are evaluated to 30 digits and compared within
  ``rel_tol``; expressions with free variables are evaluated at fixed pseudo-random points
  (a difference at any point decides "not equal"), and ``simplify(a - b) == 0`` settles
  what the points cannot.
- Structures: ``set`` (order-free, several answers ``2, 3`` vs ``\\{3, 2\\}``), ``tuple``
  (ordered; a column vector equals the tuple of its entries), ``interval`` (ends and
  openness, unions, and inequalities read as the set they describe), ``matrix``,
  ``equation`` (``x = 2`` vs ``2``; ``2y = 4x + 2`` vs ``y = 2x + 1``: sides moved to one
  side and equal up to a non-zero factor), ``inequality``, ``choice`` (letters).

A failure to parse or to simplify means "not equivalent", never an exception. sympy's
cost is guarded, not bounded: call ``compare`` through a deadline (``IsolatedPool``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy  # type: ignore[import-untyped]

from referee_verifiers.math._normalize import normalize, string_key
from referee_verifiers.math._parse import Answer, Piece, as_expression, parse_answer, to_sympy

# Expressions with more operations than this are not simplified.
MAX_SIMPLIFY_OPS = 200
# Relative tolerance of numeric comparisons unless the caller says otherwise.
DEFAULT_REL_TOL = 1e-9
# Values closer to zero than this are zero (sympy's 30-digit evaluation of a difference).
_ABS_TOL = 1e-12
# Points at which expressions with free variables are compared; fixed, so verdicts are
# reproducible. Non-integers of both signs avoid accidental roots and symmetric identities.
_POINTS = 4
_rng = random.Random(20240613)
_SAMPLES = tuple(
    tuple(sympy.Float(round(_rng.uniform(-2.5, 2.5), 6) or 0.31) for _ in range(8))
    for _ in range(_POINTS)
)

Result = tuple[bool, str]


def _close(x: complex, y: complex, rel_tol: float) -> bool:
    return abs(x - y) <= max(rel_tol * max(abs(x), abs(y)), _ABS_TOL)


def _numbers_equal(a: Fraction, b: Fraction, rel_tol: float) -> bool:
    if a == b:
        return True
    if a.denominator == b.denominator == 1:
        return False  # integers are exact: 2^{40} + 1 is not 2^{40} at any tolerance
    return abs(a - b) <= Fraction(rel_tol) * max(abs(a), abs(b))


def _at_points(a: Any, b: Any, rel_tol: float) -> bool | None:
    """Compare ``a`` and ``b`` at the sample points: False at any difference, True when
    they agree at two points or more, None when too few points could be evaluated."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if len(symbols) > len(_SAMPLES[0]):
        return None
    agreed = 0
    for sample in _SAMPLES:
        subs = dict(zip(symbols, sample, strict=False))
        try:
            x = complex(a.evalf(20, subs=subs))
            y = complex(b.evalf(20, subs=subs))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            continue
        if x != x or y != y or abs(x) == float("inf") or abs(y) == float("inf"):
            continue
        if not _close(x, y, max(rel_tol, 1e-10)):
            return False
        agreed += 1
    return True if agreed >= 2 else None


def _expr_equal(a: Any, b: Any, rel_tol: float) -> bool:
    if a == b:
        return True
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return False
    if a.is_number and b.is_number:
        if a.is_Rational and b.is_Rational:
            return _numbers_equal(Fraction(str(a)), Fraction(str(b)), rel_tol)
        if a.has(sympy.oo, -sympy.oo, sympy.zoo) or b.has(sympy.oo, -sympy.oo, sympy.zoo):
            return False
        exact_a, exact_b = a.doit(), b.doit()  # "2^{2023} - 1" as the integer it is
        if exact_a.is_Rational and exact_b.is_Rational:
            return _numbers_equal(Fraction(str(exact_a)), Fraction(str(exact_b)), rel_tol)
        try:  # sympy Floats, not Python floats: values past 1e308 still compare
            x, y = sympy.N(a, 30), sympy.N(b, 30)
            return bool(abs(x - y) <= max(rel_tol * max(abs(x), abs(y)), _ABS_TOL))
        except (TypeError, ValueError, OverflowError):
            return False
    at_points = _at_points(a, b, rel_tol)
    if at_points is False:
        return False
    if at_points and a.free_symbols == b.free_symbols:
        return True
    # Agreement at points between sides with different variables ("1" vs x^(2^-60), flat to
    # 18 digits) is not proof: only simplification may say equal.
    if sympy.count_ops(a) + sympy.count_ops(b) > MAX_SIMPLIFY_OPS:
        return False
    if sympy.simplify(a - b) == 0:
        return True
    return bool(a.equals(b))


def _variants(answer: Answer) -> list[Any]:
    """The values a scalar may mean: read through its ``%``/``°`` mark, and as written where
    a mark may only restate the unit of the question ("25%" for a gold of 25, "90°" for 90).
    Not "0.25%" for 0.25 (a fraction is not a percent), nor "\\frac{\\pi}{3}°" for
    ``\\frac{\\pi}{3}`` (a value in radians is not in degrees)."""
    value = answer.value
    if answer.marker == "%":
        scaled = value / 100 if isinstance(value, Fraction) else value / sympy.Integer(100)
        as_written = not _is_constant(answer) or abs(to_sympy(answer)) >= 1
        return [value, scaled] if as_written else [scaled]
    if answer.marker == "°":
        radians = to_sympy(answer) * sympy.pi / 180
        return [radians] if to_sympy(answer).has(sympy.pi) else [value, radians]
    return [value]


def _scalars(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    exact = isinstance(gold.value, Fraction) and isinstance(answer.value, Fraction)
    # A mark read one way on one side only: "25%" is 0.25, but "0.25%" is not "25%".
    same_mark = gold.marker == answer.marker
    for g in [gold.value] if same_mark else _variants(gold):
        for a in [answer.value] if same_mark else _variants(answer):
            if isinstance(g, Fraction) and isinstance(a, Fraction):
                if _numbers_equal(g, a, rel_tol):
                    return True, "numeric"
                continue
            g_expr = sympy.Rational(g.numerator, g.denominator) if isinstance(g, Fraction) else g
            a_expr = sympy.Rational(a.numerator, a.denominator) if isinstance(a, Fraction) else a
            if _expr_equal(g_expr, a_expr, rel_tol):
                return True, "symbolic"
    return False, "numeric" if exact else "symbolic"


def _covers(golds: Sequence[Answer], answers: Sequence[Answer], rel_tol: float) -> bool:
    """Every element of ``golds`` equals some element of ``answers``."""
    return all(any(_compare(g, a, rel_tol)[0] for a in answers) for g in golds)


def _matched(
    golds: Sequence[Answer], answers: Sequence[Answer], rel_tol: float, ordered: bool
) -> bool:
    if len(golds) != len(answers):
        return False
    if ordered:
        return all(_compare(g, a, rel_tol)[0] for g, a in zip(golds, answers, strict=False))
    left = list(answers)
    for g in golds:  # greedy is exact here: equivalence of answers is transitive
        for i, a in enumerate(left):
            if _compare(g, a, rel_tol)[0]:
                del left[i]
                break
        else:
            return False
    return True


def _is_symbol(answer: Answer) -> bool:
    return answer.kind == "scalar" and isinstance(answer.value, sympy.Symbol)


def _is_unknown(answer: Answer) -> bool:
    """A lone variable, or a tuple of them: the ``(a, b)`` of ``(a, b) = (2, 3)``; or what
    is being defined: ``f(x)``, ``f^{-1}(x)``, ``y'``, ``\\frac{dy}{dx}``."""
    if answer.kind == "tuple":
        return bool(answer.items) and all(_is_symbol(item) for item in answer.items)
    return _is_symbol(answer) or _DEFINED.fullmatch(answer.text.replace(" ", "")) is not None


def _equation_side(equation: Answer, rel_tol: float) -> Answer | None:
    """The value side of ``x = 2``, ``2 = x`` or ``(a, b) = (2, 3)``: the side that is not
    the unknown; and of a worked value ``2^8 = 256``, the result, when the work is right."""
    lhs, rhs = equation.value
    if _is_unknown(lhs):
        return rhs  # type: ignore[no-any-return]
    if _is_unknown(rhs):
        return lhs  # type: ignore[no-any-return]
    if lhs.kind == rhs.kind == "scalar" and _is_constant(lhs) and _is_constant(rhs):
        return rhs if _compare(lhs, rhs, rel_tol)[0] else None
    return None


def _is_constant(answer: Answer) -> bool:
    value = to_sympy(answer)
    return isinstance(value, sympy.Expr) and not value.free_symbols


def _moved(equation: Answer) -> Any:
    lhs, rhs = equation.value
    if lhs.kind != "scalar" or rhs.kind != "scalar":
        return None
    return to_sympy(lhs) - to_sympy(rhs)


def _proportional(a: Any, b: Any, rel_tol: float, positive: bool = False) -> bool:
    """Whether ``a == k * b`` for a constant ``k != 0`` (``k > 0`` when ``positive``)."""
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return False
    ratios = []
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    for sample in _SAMPLES:
        subs = dict(zip(symbols, sample, strict=False))
        try:
            x, y = complex(a.evalf(20, subs=subs)), complex(b.evalf(20, subs=subs))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            continue
        if abs(y) < _ABS_TOL or abs(x) < _ABS_TOL:
            continue
        ratios.append(x / y)
    if len(ratios) < 2 or not all(_close(r, ratios[0], max(rel_tol, 1e-10)) for r in ratios):
        return False
    k = ratios[0]
    return not positive or (abs(k.imag) < _ABS_TOL and k.real > 0)


def _unknown_name(answer: Answer) -> str | None:
    """The name an unknown goes by: ``x`` for ``x`` and ``x_1``, ``f`` for ``f`` and ``f(x)``
    (but ``f^{-1}`` for ``f^{-1}(x)``)."""
    if _is_symbol(answer):
        return str(answer.value.name).split("_")[0]
    compact = answer.text.replace(" ", "")
    if _DEFINED.fullmatch(compact) and compact[0].isalpha():
        return compact.split("(")[0].removesuffix("\\left")
    return None


def _chain_holds(equation: Answer, rel_tol: float) -> bool:
    """Whether every constant middle side of ``x = 4 = 5`` equals the last side."""
    rhs = equation.value[1]
    return all(
        _compare(side, rhs, rel_tol)[0]
        for side in equation.items
        if side.kind == "scalar" and _is_constant(side)
    )


def _in_variable_order(answer: Answer) -> Answer:
    """``y = 3, x = 2`` as the point it names, ``(x, y) = (2, 3)``: equations that each set
    a different variable, in the variables' alphabetical order."""
    if answer.kind != "list" or not all(item.kind == "equation" for item in answer.items):
        return answer
    names = [
        item.value[0].value.name if _is_symbol(item.value[0]) else None for item in answer.items
    ]
    # Only one-letter Latin names have an order to go by (x, y; a, b); not (rho, phi).
    if not all(name and len(name) == 1 and name.isascii() for name in names):
        return answer
    if len(set(names)) != len(names):
        return answer
    ordered = tuple(item for _, item in sorted(zip(names, answer.items, strict=True)))
    return Answer(answer.text, "list", items=ordered)


def _same_unknown(a: Answer, b: Answer) -> bool:
    """The same variable, one of its numbered copies, or a function by its name: roots
    listed as ``x_1 = 1, x_2 = 5`` name the unknowns of ``x = 1, x = 5``; ``f = 0`` is
    ``f(x) = 0``."""
    if _is_symbol(a) and _is_symbol(b) and a.value == b.value:
        return True
    name = _unknown_name(a)
    if name is None or name != _unknown_name(b):
        return False
    return name in (a.text.strip(), b.text.strip())  # x_1 and x_2 are two unknowns


def _equations(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    for side in (0, 1):  # "x = 2" vs "x = 4/2": the same variable alone on the same side
        g_var, a_var = gold.value[side], answer.value[side]
        if _same_unknown(g_var, a_var):
            return _compare(gold.value[1 - side], answer.value[1 - side], rel_tol)[0], "equation"
    g_moved, a_moved = _moved(gold), _moved(answer)
    if g_moved is None or a_moved is None:
        return False, "equation"
    return _proportional(g_moved, a_moved, rel_tol), "equation"


def _as_set(answer: Answer) -> Any:
    """The set of reals an interval, open pair or one-variable inequality describes."""
    if answer.kind == "relation":
        symbols = answer.value.free_symbols
        if len(symbols) != 1:
            return None
        try:
            return answer.value.as_set()
        except Exception:  # sympy cannot solve it: not comparable as a set
            return None
    pieces: Sequence[Piece]
    if answer.kind == "interval":
        pieces = answer.value
    elif answer.kind == "tuple" and answer.brackets == "()" and len(answer.items) == 2:
        lo, hi = answer.items
        if lo.kind != "scalar" or hi.kind != "scalar":
            return None
        pieces = (Piece(lo, hi, True, True),)
    else:
        return None
    try:
        return sympy.Union(
            *(
                sympy.Interval(to_sympy(p.lo), to_sympy(p.hi), p.left_open, p.right_open)
                for p in pieces
            )
        )
    except Exception:  # symbolic or reversed ends: not a set sympy can build
        return None


def _pieces_equal(gold: Answer, answer: Answer, rel_tol: float) -> bool:
    if gold.kind != "interval" or answer.kind != "interval":
        return False
    if len(gold.value) != len(answer.value):
        return False
    for g, a in zip(gold.value, answer.value, strict=False):
        if (g.left_open, g.right_open) != (a.left_open, a.right_open):
            return False
        if not (_compare(g.lo, a.lo, rel_tol)[0] and _compare(g.hi, a.hi, rel_tol)[0]):
            return False
    return True


def _intervals(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    rule = "inequality" if "relation" in (gold.kind, answer.kind) else "interval"
    if _pieces_equal(gold, answer, rel_tol):
        return True, rule
    g_set, a_set = _as_set(gold), _as_set(answer)
    if g_set is None or a_set is None:
        return False, rule
    try:
        return bool(g_set == a_set or g_set.symmetric_difference(a_set) == sympy.EmptySet), rule
    except Exception:  # undecidable symbolic ends
        return False, rule


def _relations(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    g, a = gold.value, answer.value
    if isinstance(g, sympy.core.relational.Relational) and isinstance(
        a, sympy.core.relational.Relational
    ):
        g_canon, a_canon = g.canonical, a.canonical
        if type(g_canon) is type(a_canon):
            g_moved, a_moved = g_canon.lhs - g_canon.rhs, a_canon.lhs - a_canon.rhs
            positive = not isinstance(g_canon, (sympy.Eq, sympy.Ne))
            if _proportional(g_moved, a_moved, rel_tol, positive=positive):
                return True, "inequality"
    return _intervals(gold, answer, rel_tol)


def _matrix_entries(answer: Answer) -> list[Answer] | None:
    if answer.kind == "tuple":
        return list(answer.items)
    if answer.kind == "matrix" and 1 in answer.value.shape:
        return [Answer(str(e), "scalar", e) for e in answer.value]
    if answer.kind in ("scalar", "text"):
        return _unit_vector_entries(answer)
    return None


# "2\mathbf{i} - \mathbf{j} + \hat{k}": a vector in the standard basis. The letters are
# renamed before parsing, since a lone "i" would otherwise read as the imaginary unit.
_BASIS_LETTER = re.compile(
    r"(?:\\(?:hat|vec|mathbf|boldsymbol)\s*\{\s*([ijk])\s*\}|(?<![\\A-Za-z])([ijk]))(?![A-Za-z])"
)
_BASIS = {"i": "\\xi", "j": "\\eta", "k": "\\theta"}


def _unit_vector_entries(answer: Answer) -> list[Answer] | None:
    """The entries of ``a i + b j (+ c k)``; None unless ``j`` or ``k`` appears and the
    expression is linear in the basis letters, with nothing else free."""
    letters = [m.group(1) or m.group(2) for m in _BASIS_LETTER.finditer(answer.text)]
    if not set(letters) & {"j", "k"}:
        return None
    renamed = _BASIS_LETTER.sub(lambda m: _BASIS[m.group(1) or m.group(2)] + " ", answer.text)
    expr = as_expression(renamed)
    basis = [sympy.Symbol(name) for name in ("xi", "eta", "theta")]
    size = 3 if "k" in letters else 2
    if not isinstance(expr, sympy.Expr) or not expr.free_symbols <= set(basis[:size]):
        return None
    expr = sympy.expand(expr)
    coefficients = [expr.coeff(symbol) for symbol in basis[:size]]
    rest = expr - sum(c * s for c, s in zip(coefficients, basis[:size], strict=True))
    if sympy.expand(rest) != 0 or any(c.free_symbols for c in coefficients):
        return None
    return [Answer(str(c), "scalar", c) for c in coefficients]


def _row(row: Answer) -> tuple[Answer, ...] | None:
    if row.kind == "tuple":
        return row.items
    if row.kind == "interval" and len(row.value) == 1:  # "[1, 4]" parses as an interval
        piece = row.value[0]
        return None if piece.left_open or piece.right_open else (piece.lo, piece.hi)
    return None


def _as_matrix(answer: Answer) -> Any:
    """A list of equal-length rows, ``[[1, 2], [3, 4]]``, as the matrix it writes."""
    if answer.kind not in _COLLECTIONS or answer.kind == "set" or not answer.items:
        return None
    rows = [row for row in map(_row, answer.items) if row is not None]
    if len(rows) != len(answer.items) or len({len(row) for row in rows}) != 1:
        return None
    if not all(entry.kind == "scalar" for row in rows for entry in row):
        return None
    return sympy.ImmutableMatrix([[to_sympy(entry) for entry in row] for row in rows])


def _matrices(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    g_rows, a_rows = _as_matrix(gold), _as_matrix(answer)
    if g_rows is not None or a_rows is not None:
        gold = gold if g_rows is None else Answer(gold.text, "matrix", g_rows)
        answer = answer if a_rows is None else Answer(answer.text, "matrix", a_rows)
    if gold.kind == "matrix" and answer.kind == "matrix":
        g, a = gold.value, answer.value
        if g.shape != a.shape:
            return False, "matrix"
        return all(_expr_equal(x, y, rel_tol) for x, y in zip(g, a, strict=False)), "matrix"
    g_entries, a_entries = _matrix_entries(gold), _matrix_entries(answer)
    if g_entries is None or a_entries is None:
        return False, "matrix"
    return _matched(g_entries, a_entries, rel_tol, ordered=True), "matrix"


def _collections(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    kinds = {gold.kind, answer.kind}
    if "tuple" in kinds:
        if gold.kind == "set" or answer.kind == "set":
            return False, "set"  # a point is not a set of numbers
        gold, answer = _in_variable_order(gold), _in_variable_order(answer)
        return _matched(gold.items, answer.items, rel_tol, ordered=True), "tuple"
    if "set" in kinds:  # a set is its elements: {1, 1, 2} is {1, 2}
        equal = _covers(gold.items, answer.items, rel_tol) and _covers(
            answer.items, gold.items, rel_tol
        )
        return equal, "set"
    return _matched(gold.items, answer.items, rel_tol, ordered=False), "set"


_COLLECTIONS = frozenset({"set", "tuple", "list"})
_SETS = frozenset({"interval", "relation"})
# The left side of a definition: f(x), g(x,y), f^{-1}(x), y', y'', \frac{dy}{dx}.
_DEFINED = re.compile(
    r"[A-Za-z](?:\^\{?-1\}?)?\\?(?:left)?\([A-Za-z](?:,[A-Za-z])*\\?(?:right)?\)"
    r"|[A-Za-z]'+|\\frac\{d[A-Za-z]?\}\{d[A-Za-z]\}"
)
# A choice letter followed by its option's value: "(C) 12", "C) 12".
_CHOICE_VALUE = re.compile(r"^(?:\([A-J]\)|[A-J][).:])\s+(.+)$", re.DOTALL)


def _choice_value(gold: Answer, answer: Answer, rel_tol: float) -> bool:
    """ "(C) 12" against a gold that is a value, not a letter: the value is the answer."""
    value = _CHOICE_VALUE.match(answer.text)
    return value is not None and _compare(gold, parse_answer(value.group(1)), rel_tol)[0]


def _approximates(value: Answer, approximation: Answer) -> bool:
    """Whether ``approximation`` is ``value`` rounded, or cut, to the decimals it shows:
    ``4\\pi \\approx 12.57`` and ``\\sqrt{2} \\approx 1.414``; not "1.1 \\approx 1.2" (two
    answers). An approximation shows at least one decimal, of a value that is not one."""
    decimals = approximation.text.partition(".")[2]
    if not decimals.isdigit() or not isinstance(approximation.value, Fraction):
        return False
    if isinstance(value.value, Fraction) and value.value.denominator == 1:
        return False
    try:
        exact = Fraction(str(sympy.N(to_sympy(value), 30)))
    except (TypeError, ValueError):
        return False
    unit = Fraction(1, 10 ** len(decimals))
    shown = approximation.value
    rounded = abs(exact - shown) <= unit / 2
    cut = abs(exact) >= abs(shown) and abs(exact - shown) < unit  # 1.41421 -> 1.414
    return rounded or cut


def _approximation_counts(gold: Answer, approximation: Answer) -> bool:
    """The approximation may be the answer only to a question that asked for a decimal: a
    gold that is itself a decimal, with no more digits than the approximation shows."""
    if not isinstance(gold.value, Fraction) or gold.kind != "scalar" or gold.marker:
        return False
    digits = gold.text.partition(".")[2]
    return digits.isdigit() and len(digits) <= len(approximation.text.partition(".")[2])


def _ratio_terms(side: Answer) -> list[Any] | None:
    """The terms of a ratio, or of a time that may be one (``4:15``)."""
    if side.kind in ("ratio", "clock") and side.items:
        return [to_sympy(item) for item in side.items]
    return None


def _ratios(gold: Answer, answer: Answer, rel_tol: float) -> bool:
    """``2:3`` is ``4:6``, in order; a two-term ratio is also the fraction it makes, though
    not against an integer gold (``25:5`` is not an answer of 5)."""
    g, a = _ratio_terms(gold), _ratio_terms(answer)
    if g is not None and a is not None:
        if len(g) != len(a) or any(term == 0 for term in g + a):
            return False
        return all(_expr_equal(x * a[0], y * g[0], rel_tol) for x, y in zip(g, a, strict=True))
    ratio, other = (g, answer) if g is not None else (a, gold)
    if ratio is None or len(ratio) != 2 or other.kind != "scalar" or ratio[1] == 0:
        return False
    if isinstance(gold.value, Fraction) and gold.value.denominator == 1:
        return False
    return _expr_equal(ratio[0] / ratio[1], to_sympy(other), rel_tol)


def _numerals(gold: Answer, answer: Answer) -> bool:
    """Numerals in a base: the same digits in the same base. Digits without a base match
    a gold's digits (``1011`` for ``1011_2``), the way the question asked to write them;
    a value in another base (``11`` for ``1011_2``) does not."""
    if gold.kind == answer.kind == "based":
        return bool(gold.value == answer.value)
    based, other = (gold, answer) if gold.kind == "based" else (answer, gold)
    digits = string_key(other.text)
    return digits.isalnum() and (digits.lstrip("0") or "0") == based.value[0]


def _compare(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    if string_key(gold.text) == string_key(answer.text) and gold.marker == answer.marker:
        return True, "string"
    if answer.kind == "equation" and not _chain_holds(answer, rel_tol):
        return False, "equation"
    g, a = gold.kind, answer.kind
    rule: Callable[[Answer, Answer, float], Result] | None = None
    if a == "choice" and g != "choice":
        return _choice_value(gold, answer, rel_tol), "choice"
    if g == "based" or a == "based":
        return _numerals(gold, answer), "base"
    if g == "choice" or a == "choice":
        equal = g == a and gold.value == answer.value
        return equal, "choice"
    if a == "approx":  # "4\pi \approx 12.57": either is the answer, if they agree
        value, approximation = answer.value
        if _is_unknown(value):  # "x \approx 2.45": the approximation is the answer
            return _compare(gold, approximation, rel_tol)[0], "approx"
        if not _approximates(value, approximation):
            return False, "approx"
        if _compare(gold, value, rel_tol)[0]:
            return True, "approx"
        counts = _approximation_counts(gold, approximation)
        return counts and _compare(gold, approximation, rel_tol)[0], "approx"
    if g == "approx":
        return _compare(gold.value[0], answer, rel_tol)[0], "approx"
    if g in ("matrix", "tuple") and a in ("scalar", "text") and _unit_vector_entries(answer):
        return _matrices(gold, answer, rel_tol)
    if g == a == "clock" and gold.value == answer.value:
        # Minutes after midnight; "3:45" with no AM/PM matches only another without (a
        # gold of "3:45 PM" wants the PM).
        return True, "clock"
    if g in ("ratio", "clock") or a in ("ratio", "clock"):  # "4:15" may be a ratio
        return _ratios(gold, answer, rel_tol), "ratio"
    if g == "text" or a == "text":
        return string_key(gold.text).lower() == string_key(answer.text).lower(), "string"
    if g == a == "scalar":
        rule = _scalars
    elif g == a == "equation":
        rule = _equations
    elif "equation" in (g, a) and ("scalar" in (g, a) or "tuple" in (g, a)):
        equation, value = (gold, answer) if g == "equation" else (answer, gold)
        side = _equation_side(equation, rel_tol)
        if side is None:
            return False, "equation"
        return _compare(side, value, rel_tol)[0], "equation"
    elif "matrix" in (g, a):
        rule = _matrices
    elif g == a == "relation":
        rule = _relations
    elif g in _SETS or a in _SETS:
        rule = _intervals
    elif g in _COLLECTIONS and a in _COLLECTIONS:
        rule = _collections
    elif g in _COLLECTIONS and len(gold.items) == 1:  # "\{2\}" vs "2"
        return _compare(gold.items[0], answer, rel_tol)[0], "set"
    elif a in _COLLECTIONS and len(answer.items) == 1:
        return _compare(gold, answer.items[0], rel_tol)[0], "set"
    elif g in _COLLECTIONS or a in _COLLECTIONS:
        return False, "set"
    if rule is None:
        return False, "structure"
    return rule(gold, answer, rel_tol)


def compare_parsed(gold: Answer, answer: Answer, *, rel_tol: float = DEFAULT_REL_TOL) -> Result:
    """Whether ``answer`` is equivalent to ``gold`` (both parsed), and the rule that decided.

    Never raises: sympy failures mean "not equivalent".
    """
    try:
        return _compare(gold, answer, rel_tol)
    except Exception:  # sympy raises many types on odd input; none of them means "equal"
        return False, "symbolic"


@lru_cache(maxsize=16384)
def compare_cached(gold: Answer, answer: Answer, rel_tol: float) -> Result:
    """``compare_parsed``, remembered: in a GRPO group the same answer comes back often."""
    return compare_parsed(gold, answer, rel_tol=rel_tol)


def compare(gold: str, answer: str, *, rel_tol: float = DEFAULT_REL_TOL) -> Result:
    """Whether ``answer`` is equivalent to ``gold``, and the rule that decided.

    Both are answer strings (LaTeX or plain text), not completions.

    Examples:
        >>> compare("0.5", r"\\frac{1}{2}")
        (True, 'numeric')
        >>> compare("2(x+1)", "2x+2")
        (True, 'symbolic')
        >>> compare(r"\\{3, 2\\}", "2, 3")
        (True, 'set')
    """
    gold_text, answer_text = normalize(gold), normalize(answer)
    if not gold_text or not answer_text:
        return False, "string"
    if string_key(gold_text) == string_key(answer_text):
        return True, "string"
    return compare_cached(parse_answer(gold_text), parse_answer(answer_text), rel_tol)
