"""Writes tests/data/math_judgments.jsonl: labeled (gold, completion, equivalent) cases.

Authored for Referee: hand-picked forms per answer type, expanded with a fixed seed into
both directions (an equivalent rewrite and a near miss for every type), wrapped in the
ways models write answers, plus hand-written long completions with intermediate boxed
values and hedging. Labels are mathematical equivalence at the default tolerance (1e-9
relative): a rounded decimal of an irrational or repeating value is not equivalent.

    .venv/bin/python tests/data/math_make_judgments.py
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

OUT = Path(__file__).with_name("math_judgments.jsonl")
Case = tuple[str, str, bool]  # gold, answer (or completion when raw), equivalent


def _wrap(rng: random.Random, answer: str) -> str:
    """A completion that states ``answer`` the way models do."""
    style = rng.randrange(6)
    if style == 0:
        return f"\\boxed{{{answer}}}"
    if style == 1:
        return (
            "We simplify step by step and obtain the result.\n\n"
            f"The answer is $\\boxed{{{answer}}}$."
        )
    if style == 2:
        return f"Therefore, the final answer is $\\boxed{{{answer}}}$. I hope it is correct."
    if style == 3:
        return f"Combining the two cases gives $x$ as required, so \\[\\boxed{{{answer}}}\\]"
    if style == 4:
        return (
            "**Solution.** Checking each step again, it holds.\n\n"
            f"Final answer: $\\boxed{{{answer}}}$"
        )
    return f"Putting it together:\n$$\\boxed{{{answer}}}$$"


def integers(rng: random.Random) -> Iterator[Case]:
    for _ in range(14):
        n = rng.randint(-500, 5000)
        yield str(n), str(n), True
        yield str(n), f"{n}.0", True
        yield str(n), str(n + rng.choice([-10, -1, 1, 2, 100])), False
    yield "12", "112", False  # the gold is a substring of the answer
    yield "12", "1.2", False
    yield "0", "-0", True
    yield "7", "07", True


def decimals(rng: random.Random) -> Iterator[Case]:
    for _ in range(12):
        value = Fraction(rng.randint(1, 9999), rng.choice([10, 100, 1000]))
        text = f"{float(value):g}"
        yield text, f"\\frac{{{value.numerator}}}{{{value.denominator}}}", True
        yield text, f"{float(value) + 0.01:g}", False
    yield "0.5", ".5", True
    yield "0.25", "0.250", True
    yield "1/3", "0.333", False
    yield "1/3", "0.333333", False
    yield "2/3", "0.67", False


def fractions(rng: random.Random) -> Iterator[Case]:
    for _ in range(14):
        num, den = rng.randint(1, 40), rng.randint(2, 41)
        value = Fraction(num, den)
        if value.denominator == 1:
            continue
        k = rng.randint(2, 5)
        gold = f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
        yield gold, f"{value.numerator * k}/{value.denominator * k}", True
        yield gold, f"\\dfrac{{{value.numerator}}}{{{value.denominator}}}", True
        yield gold, f"\\frac{{{value.denominator}}}{{{value.numerator}}}", False
        yield gold, f"\\frac{{{value.numerator + 1}}}{{{value.denominator}}}", False
    yield "-\\frac{3}{4}", "\\frac{-3}{4}", True
    yield "-\\frac{3}{4}", "\\frac{3}{4}", False
    yield "\\frac{1}{2}", "\\tfrac12", True


def mixed_numbers(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        whole, num, den = rng.randint(1, 12), rng.randint(1, 6), rng.randint(7, 9)
        improper = whole * den + num
        yield f"\\frac{{{improper}}}{{{den}}}", f"{whole}\\frac{{{num}}}{{{den}}}", True
        yield f"{whole}\\frac{{{num}}}{{{den}}}", f"{improper}/{den}", True
        yield f"\\frac{{{improper}}}{{{den}}}", f"{whole}\\frac{{{num + 1}}}{{{den}}}", False
        yield f"{whole} {num}/{den}", f"\\frac{{{whole * num}}}{{{den}}}", False


def scientific(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        mantissa, exponent = rng.randint(11, 99) / 10, rng.randint(3, 9)
        value = Fraction(str(mantissa)) * 10**exponent
        plain = str(int(value))
        yield plain, f"{mantissa}\\times 10^{{{exponent}}}", True
        yield f"{mantissa} \\times 10^{{{exponent}}}", f"{mantissa}e{exponent}", True
        yield plain, f"{mantissa}\\times 10^{{{exponent + 1}}}", False
        yield f"{mantissa}\\times10^{{{exponent}}}", f"{mantissa}e-{exponent}", False


def percents(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        p = rng.randint(1, 99)
        yield f"{p}\\%", str(p), True
        yield str(p), f"{p}\\%", True
        yield f"{p}\\%", f"{p / 100:g}", True
        yield f"{p}\\%", f"{p + 1}\\%", False
        yield f"{p}", f"{p} percent", True
    yield "12.5\\%", "0.125", True
    yield "25\\%", "0.52", False


def tolerance(rng: random.Random) -> Iterator[Case]:
    for _ in range(8):
        value = rng.uniform(1, 1000)
        yield f"{value:.12f}", f"{value * (1 + 1e-12):.12f}", True
        yield f"{value:.6f}", f"{value * (1 + 1e-5):.6f}", False
    yield "\\sqrt{2}", "1.41421356237", True
    yield "\\sqrt{2}", "1.414", False
    yield "\\pi", "3.14159265358979", True
    yield "\\pi", "3.14", False
    yield "e", "2.718281828459045", True
    yield "e", "2.718", False


def expressions(rng: random.Random) -> Iterator[Case]:
    rows = [
        ("x^2+2x+1", "(x+1)^2", True),
        ("x^2+2x+1", "(x-1)^2", False),
        ("2(x+1)", "2x+2", True),
        ("2(x+1)", "2x+1", False),
        ("\\frac{x}{2}", "0.5x", True),
        ("\\frac{x+1}{x-1}", "1+\\frac{2}{x-1}", True),
        ("\\frac{x+1}{x-1}", "\\frac{x-1}{x+1}", False),
        ("\\sin^2 x + \\cos^2 x", "1", True),
        ("\\sin(2x)", "2\\sin x\\cos x", True),
        ("\\sin(2x)", "2\\sin x", False),
        ("\\sqrt{12}", "2\\sqrt{3}", True),
        ("\\sqrt{12}", "3\\sqrt{2}", False),
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", True),
        ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", True),
        ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{3}", False),
        ("\\log_2 8", "3", True),
        ("\\ln(e^2)", "2", True),
        ("e^{2x}", "(e^x)^2", True),
        ("e^{2x}", "e^{x^2}", False),
        ("a^2-b^2", "(a-b)(a+b)", True),
        ("a^2-b^2", "(a-b)^2", False),
        ("x^3-1", "(x-1)(x^2+x+1)", True),
        ("x^3-1", "(x-1)(x^2-x+1)", False),
        ("\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}", True),
        ("\\frac{1}{x}+\\frac{1}{y}", "\\frac{2}{x+y}", False),
        ("3\\sqrt{5}", "\\sqrt{45}", True),
        ("2^{10}", "1024", True),
        ("2^{10}", "1000", False),
        ("\\binom{5}{2}", "10", True),
        ("5!", "120", True),
        ("x^2 + 1", "x**2 + 1", True),
        ("\\frac{n(n+1)}{2}", "\\frac{n^2+n}{2}", True),
        ("\\frac{n(n+1)}{2}", "\\frac{n(n-1)}{2}", False),
        ("4\\pi r^2", "4r^2\\pi", True),
        ("\\frac{4}{3}\\pi r^3", "\\frac{4\\pi r^3}{3}", True),
        ("\\frac{4}{3}\\pi r^3", "\\frac{3}{4}\\pi r^3", False),
    ]
    for _ in range(6):
        a, b = rng.randint(2, 9), rng.randint(1, 9)
        rows.append((f"{a}x+{a * b}", f"{a}(x+{b})", True))
        rows.append((f"{a}x+{a * b}", f"{a}(x+{b + 1})", False))
    yield from rows


def sets(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        values = rng.sample(range(-9, 20), rng.randint(2, 4))
        shuffled = values[:]
        rng.shuffle(shuffled)
        gold = "\\{" + ", ".join(map(str, values)) + "\\}"
        yield gold, "\\{" + ", ".join(map(str, shuffled)) + "\\}", True
        yield gold, ", ".join(map(str, shuffled)), True
        yield gold, "\\{" + ", ".join(map(str, values[:-1])) + "\\}", False
        yield gold, "\\{" + ", ".join(map(str, [*values[:-1], values[-1] + 1])) + "\\}", False
    yield "\\{1, 2\\}", "\\left\\{ 2, 1 \\right\\}", True
    yield "\\{\\frac{1}{2}, 3\\}", "\\{3, 0.5\\}", True
    yield "\\{-1, 1\\}", "\\pm 1", True
    yield "\\{-1, 1\\}", "1", False
    yield "\\emptyset", "\\varnothing", True
    yield "\\emptyset", "\\{0\\}", False
    yield "\\{2\\}", "2", True


def multi_answers(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        a, b = rng.sample(range(-12, 15), 2)
        yield f"{a}, {b}", f"\\{{{b}, {a}\\}}", True
        yield f"\\{{{a}, {b}\\}}", f"{b}, {a}", True
        yield f"{a}, {b}", f"x = {b} \\text{{ or }} x = {a}", True
        yield f"{a}, {b}", f"{a}", False
        yield f"{a}, {b}", f"{a}, {b}, {a + b + 100}", False
    yield "x = \\pm 3", "3, -3", True
    yield "x = \\pm 3", "3", False
    yield "1 \\pm \\sqrt{2}", "1+\\sqrt{2}, 1-\\sqrt{2}", True


def tuples(rng: random.Random) -> Iterator[Case]:
    for _ in range(10):
        x, y = rng.randint(-9, 9), rng.randint(-9, 9)
        if x == y:
            y += 1
        yield f"({x}, {y})", f"\\left( {x}, {y} \\right)", True
        yield f"({x}, {y})", f"({y}, {x})", False
        yield f"({x}, {y})", f"({x}, {y + 2})", False
    yield "(1, 2, 3)", "(1,2,3)", True
    yield "(1, 2, 3)", "(3, 2, 1)", False
    yield "(\\frac{1}{2}, -3)", "(0.5, -3)", True
    yield "(\\frac{1}{2}, -3)", "(0.5, 3)", False
    yield "\\langle 1, 2 \\rangle", "(1, 2)", True


def intervals(rng: random.Random) -> Iterator[Case]:
    for _ in range(8):
        a, b = sorted(rng.sample(range(-20, 20), 2))
        yield f"[{a}, {b})", f"[{a},{b})", True
        yield f"[{a}, {b})", f"\\left[ {a}, {b} \\right)", True
        yield f"[{a}, {b})", f"({a}, {b}]", False
        yield f"[{a}, {b}]", f"[{a}, {b})", False
        yield f"({a}, {b})", f"{a} < x < {b}", True
        yield f"[{a}, \\infty)", f"x \\ge {a}", True
        yield f"[{a}, \\infty)", f"({a}, \\infty)", False
    yield "(-\\infty, 2] \\cup (3, \\infty)", "(-\\infty,2]\\cup(3,\\infty)", True
    yield "(-\\infty, 2] \\cup (3, \\infty)", "(3, \\infty) \\cup (-\\infty, 2]", True
    yield "(-\\infty, 2] \\cup (3, \\infty)", "(-\\infty, 2) \\cup (3, \\infty)", False
    yield "(-\\infty, 2] \\cup (3, \\infty)", "(-\\infty, 2] \\cup [3, \\infty)", False
    yield "[1, 3] \\cup [3, 5]", "[1, 5]", True
    yield "[\\frac{1}{2}, 2]", "[0.5, 2]", True
    yield "(-\\infty, \\infty)", "\\mathbb{R}", True


def matrices(rng: random.Random) -> Iterator[Case]:
    for _ in range(8):
        a, b, c, d = (rng.randint(-9, 9) for _ in range(4))
        gold = f"\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{pmatrix}}"
        yield gold, f"\\begin{{bmatrix}}{a}&{b}\\\\{c}&{d}\\end{{bmatrix}}", True
        yield gold, f"\\begin{{pmatrix}} {a} & {c} \\\\ {b} & {d} \\end{{pmatrix}}", b == c
        yield gold, f"\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d + 1} \\end{{pmatrix}}", False
    for _ in range(5):
        x, y, z = (rng.randint(-9, 9) for _ in range(3))
        vector = f"\\begin{{pmatrix}} {x} \\\\ {y} \\\\ {z} \\end{{pmatrix}}"
        yield vector, f"({x}, {y}, {z})", True
        yield vector, f"({x}, {y}, {z + 1})", False
    yield (
        "\\begin{pmatrix} \\frac{1}{2} \\\\ 1 \\end{pmatrix}",
        "\\begin{pmatrix} 0.5 \\\\ 1 \\end{pmatrix}",
        True,
    )


def equations(rng: random.Random) -> Iterator[Case]:
    for _ in range(8):
        m, c = rng.randint(2, 9), rng.randint(1, 9)
        k = rng.randint(2, 5)
        yield f"y = {m}x + {c}", f"{k}y = {k * m}x + {k * c}", True
        yield f"y = {m}x + {c}", f"y - {m}x = {c}", True
        yield f"y = {m}x + {c}", f"y = {m}x - {c}", False
        yield f"y = {m}x + {c}", f"{m}x + {c}", True
        yield f"x = {c}", f"{c}", True
        yield f"{c}", f"x = {c}", True
        yield f"x = {c}", f"x = {c + 1}", False
    yield "x^2 + y^2 = 25", "y^2 + x^2 = 25", True
    yield "x^2 + y^2 = 25", "x^2 + y^2 = 5", False
    yield "2x - 3y = 6", "3y = 2x - 6", True
    yield "2x - 3y = 6", "3y = 2x + 6", False
    yield "x = 1, y = 2", "y = 2, x = 1", True
    yield "x = 1, y = 2", "x = 2, y = 1", False


def inequalities(rng: random.Random) -> Iterator[Case]:
    for _ in range(6):
        a = rng.randint(-9, 9)
        yield f"x > {a}", f"{a} < x", True
        yield f"x > {a}", f"x \\geq {a}", False
        yield f"x \\le {a}", f"(-\\infty, {a}]", True
        yield f"x \\le {a}", f"x < {a}", False
    yield "2x + 1 < 5", "x < 2", True
    yield "2x + 1 < 5", "x > 2", False
    yield "-3 \\le x < 4", "[-3, 4)", True
    yield "-3 \\le x < 4", "[-3, 4]", False


def complex_numbers(rng: random.Random) -> Iterator[Case]:
    for _ in range(8):
        a, b = rng.randint(-9, 9), rng.randint(1, 9)
        yield f"{a}+{b}i", f"{b}i+{a}", True
        yield f"{a}+{b}i", f"{a}-{b}i", False
        yield f"{a}-{b}i", f"{a} - {b}i", True
    yield "i", "\\sqrt{-1}", True
    yield "\\frac{1+i}{2}", "\\frac{1}{2}+\\frac{1}{2}i", True
    yield "\\frac{1+i}{2}", "\\frac{1}{2}-\\frac{1}{2}i", False
    yield "2i", "(1+i)^2", True


def angles(rng: random.Random) -> Iterator[Case]:
    pairs = [
        (30, "\\frac{\\pi}{6}"),
        (45, "\\frac{\\pi}{4}"),
        (60, "\\frac{\\pi}{3}"),
        (90, "\\frac{\\pi}{2}"),
        (120, "\\frac{2\\pi}{3}"),
        (180, "\\pi"),
    ]
    for degrees, radians in pairs:
        yield f"{degrees}^\\circ", f"{degrees}", True
        yield f"{degrees}^\\circ", radians, True
        yield radians, f"{degrees}^\\circ", True
        yield f"{degrees}^\\circ", f"{degrees + 15}^\\circ", False
        yield radians, f"{degrees}", False
    yield "90", "90^{\\circ}", True
    yield "90", "90°", True


def constants(rng: random.Random) -> Iterator[Case]:
    rows = [
        ("\\pi", "\\pi", True),
        ("2\\pi", "\\pi \\cdot 2", True),
        ("2\\pi", "\\pi^2", False),
        ("\\frac{\\pi}{2}", "\\pi/2", True),
        ("\\frac{\\pi}{2}", "2\\pi", False),
        ("e^2", "e\\cdot e", True),
        ("e^2", "2e", False),
        ("e", "\\exp(1)", True),
        ("\\infty", "\\infty", True),
        ("\\infty", "+\\infty", True),
        ("\\infty", "-\\infty", False),
        ("-\\infty", "-\\infty", True),
        ("\\infty", "infinity", True),
        ("\\infty", "1000000", False),
        ("\\pi r^2", "r^2\\pi", True),
        ("\\pi r^2", "2\\pi r", False),
    ]
    yield from rows


def units(rng: random.Random) -> Iterator[Case]:
    words = ["cm", "meters", "square units", "dollars", "apples", "inches", "km", "students"]
    for _ in range(12):
        n, unit = rng.randint(2, 900), rng.choice(words)
        yield str(n), f"{n}\\text{{ {unit}}}", True
        yield str(n), f"{n} {unit}", True
        yield f"{n}\\text{{ {unit}}}", str(n), True
        yield str(n), f"{n + 1}\\text{{ {unit}}}", False
    yield "18", "\\$18", True
    yield "18", "\\$18.00", True
    yield "18", "\\$19", False
    yield "12", "12\\,\\text{cm}^2", True
    yield "12", "12\\text{ cm}^2", True
    yield "12", "21\\mbox{ cm}", False
    yield "5", "5\\mathrm{m}", True
    yield "2.5", "2.5 \\text{ hours}", True


def text_forms(rng: random.Random) -> Iterator[Case]:
    rows = [
        ("1000", "1,000", True),
        ("1000000", "1{,}000{,}000", True),
        ("1234567", "1,234,567", True),
        ("1234", "1,243", False),
        ("5", "\\text{5}", True),
        ("5", "\\textbf{5}", True),
        ("\\frac{1}{2}", "\\left( \\frac{1}{2} \\right)", True),
        ("7", "7.", True),
        ("\\text{Monday}", "Monday", True),
        ("\\text{Monday}", "\\text{monday}", True),
        ("\\text{Monday}", "Tuesday", False),
        ("\\text{yes}", "Yes", True),
        ("\\text{yes}", "no", False),
        ("10", "\\displaystyle 10", True),
        ("3", "3\\!", True),
        ("100", "10.0", False),
    ]
    yield from rows


def choices(rng: random.Random) -> Iterator[Case]:
    for letter in "ABCDE":
        other = "ABCDE"[("ABCDE".index(letter) + 2) % 5]
        yield letter, f"({letter})", True
        yield letter, f"\\text{{({letter})}}", True
        yield letter, other, False
        yield f"({letter})", letter, True


TYPES: dict[str, Callable[[random.Random], Iterator[Case]]] = {
    "integer": integers,
    "decimal": decimals,
    "fraction": fractions,
    "mixed_number": mixed_numbers,
    "scientific": scientific,
    "percent": percents,
    "tolerance": tolerance,
    "expression": expressions,
    "set": sets,
    "multi_answer": multi_answers,
    "tuple": tuples,
    "interval": intervals,
    "matrix": matrices,
    "equation": equations,
    "inequality": inequalities,
    "complex": complex_numbers,
    "angle": angles,
    "constant": constants,
    "units": units,
    "text": text_forms,
    "choice": choices,
}

# Raw completions: extraction, hedging, substrings and long reasoning. (type, gold, text, eq)
_LONG_REASONING = (
    "Let me set up the problem. Let $n$ be the number of terms. The first few values are "
    "$a_1 = 3$, $a_2 = 7$, $a_3 = 11$, so the common difference is $d = 4$ and "
    "$a_n = 4n - 1$. Summing, $S_n = \\frac{n(3 + 4n - 1)}{2} = n(2n + 1)$.\n\n"
    "Check: $S_2 = 2 \\cdot 5 = 10 = 3 + 7$. Good, so the partial result is "
    "$\\boxed{S_n = n(2n+1)}$ and we still need $n$.\n\n"
    "Setting $n(2n+1) = 210$ gives $2n^2 + n - 210 = 0$, so "
    "$n = \\frac{-1 \\pm \\sqrt{1 + 1680}}{4} = \\frac{-1 \\pm 41}{4}$. "
    "The positive root is $n = 10$; the other, $-\\frac{21}{2}$, is not a count.\n\n"
)
RAW: list[tuple[str, str, str, bool]] = [
    ("extraction", "72", "Natalia sold 48 clips in April and 24 in May.\n#### 72", True),
    ("extraction", "72", "Natalia sold 48 clips in April and 24 in May.\n#### 27", False),
    ("extraction", "42", "Adding the parts: 40 + 2.\nThe final answer is 42.", True),
    ("extraction", "42", "Adding the parts: 40 + 2.\nThe final answer is 24.", False),
    ("extraction", "17", "Answer: 17", True),
    ("extraction", "\\frac{3}{4}", "So the probability is **3/4**.", True),
    ("extraction", "\\frac{3}{4}", "So the probability is **4/3**.", False),
    ("extraction", "8", "3 apples and 5 pears make 8 fruits in total", True),
    ("extraction", "8", "3 apples and 5 pears make 9 fruits in total", False),
    ("extraction", "\\frac{1}{2}", "1/2", True),
    ("extraction", "x^2+1", "x^2+1", True),
    ("extraction", "[2, 5)", "$[2, 5)$", True),
    ("extraction", "[2, 5)", "$[2, 5]$", False),
    ("extraction", "B", "After eliminating the others, the answer is (B).", True),
    ("extraction", "B", "After eliminating the others, the answer is (D).", False),
    ("extraction", "C", "Option C is correct since the others fail.", True),
    ("extraction", "7", "I could not finish this problem.", False),
    ("extraction", "7", "", False),
    ("extraction", "7", "The answer is \\boxed{}", False),
    ("extraction", "5", "\\boxed 5", True),
    ("extraction", "14", "The total is \\fbox{14}.", True),
    ("extraction", "14", "The total is \\fbox{41}.", False),
    ("extraction", "12", "We get $\\boxed{\\boxed{12}}$", True),
    ("extraction", "\\frac{2}{3}", "\\boxed{\\frac{2}{3", False),
    ("hedge", "1", "It could be \\boxed{1} or \\boxed{2}.", False),
    ("hedge", "2", "It could be \\boxed{1} or \\boxed{2}.", False),
    ("hedge", "1", "The answer is 1 or 2.", False),
    ("hedge", "5", "\\boxed{5}, \\boxed{6}, \\boxed{7}", False),
    ("hedge", "5", "The answer is \\boxed{5}. Alternatively, it might be \\boxed{6}.", False),
    ("hedge", "3", "\\boxed{3 \\text{ or } 4}", False),
    ("hedge", "3", "\\boxed{3, 4}", False),
    ("hedge", "3", "\\boxed{3} \\quad \\boxed{3}", True),
    ("hedge", "2, 3", "The roots are \\boxed{2} and \\boxed{3}.", True),
    (
        "hedge",
        "2",
        "First I thought \\boxed{1}, but on checking the algebra the value is \\boxed{2}.",
        True,
    ),
    (
        "hedge",
        "1",
        "First I thought \\boxed{1}, but on checking the algebra the value is \\boxed{2}.",
        False,
    ),
    ("substring", "5", "\\boxed{15}", False),
    ("substring", "5", "\\boxed{5x}", False),
    ("substring", "2", "\\boxed{x^2}", False),
    ("substring", "\\frac{1}{2}", "\\boxed{\\frac{1}{2}x}", False),
    ("substring", "10", "\\boxed{100}", False),
    ("substring", "\\{1, 2\\}", "\\boxed{\\{1, 2, 3\\}}", False),
    ("long", "10", _LONG_REASONING + "Therefore the number of terms is $\\boxed{10}$.", True),
    (
        "long",
        "10",
        _LONG_REASONING + "Therefore the number of terms is $\\boxed{-\\frac{21}{2}}$.",
        False,
    ),
    ("long", "n(2n+1)", _LONG_REASONING + "So the sum is $\\boxed{2n^2+n}$.", True),
    ("long", "10", _LONG_REASONING + "Therefore $n = \\boxed{10}$ or $n = \\boxed{-10.5}$.", False),
    ("long", "10", _LONG_REASONING * 40 + "Final answer: $\\boxed{10}$", True),
    ("long", "10", _LONG_REASONING * 40 + "Final answer: $\\boxed{11}$", False),
    (
        "long",
        "\\frac{\\sqrt{3}}{2}",
        "We have $\\sin 60^\\circ$. Draw the equilateral triangle of side 2; its height is "
        "$\\sqrt{4-1} = \\sqrt 3$, so $\\sin 60^\\circ = \\frac{\\sqrt3}{2}$, "
        "which is about 0.866.\n\n"
        "**Final Answer**\n$\\boxed{\\dfrac{\\sqrt{3}}{2}}$",
        True,
    ),
    (
        "long",
        "\\frac{\\sqrt{3}}{2}",
        "We have $\\sin 60^\\circ$, which is about 0.866.\n\n**Final Answer**\n$\\boxed{0.866}$",
        False,
    ),
    (
        "long",
        "(2, -1)",
        "Subtract the equations: $2x + y = 3$ and $x - y = 3$ give $3x = 6$, so $x = 2$. Then "
        "$y = 3 - 4 = -1$. Check: $2 - (-1) = 3$. The intersection point is $\\boxed{(2, -1)}$.",
        True,
    ),
    (
        "long",
        "(2, -1)",
        "Subtract: $3x = 6$, so $\\boxed{x = 2}$, and then $y = -1$. "
        "The point is $\\boxed{(-1, 2)}$.",
        False,
    ),
    (
        "long",
        "[-2, 3]",
        "The quadratic $x^2 - x - 6 = (x-3)(x+2) \\le 0$ between its roots $-2$ and $3$, "
        "endpoints included. So the solution set is $\\boxed{[-2, 3]}$.",
        True,
    ),
    (
        "long",
        "[-2, 3]",
        "The quadratic $(x-3)(x+2) \\le 0$ between its roots. So $\\boxed{(-2, 3)}$.",
        False,
    ),
    (
        "long",
        "\\{-2, 3\\}",
        "Factor $(x-3)(x+2) = 0$. So $x = 3$ or $x = -2$, i.e. $\\boxed{x = -2, 3}$.",
        True,
    ),
    (
        "long",
        "y = 2x + 1",
        "The slope is $\\frac{5-1}{2-0} = 2$ and the intercept is $1$, so the line is "
        "$\\boxed{2x - y + 1 = 0}$.",
        True,
    ),
    (
        "long",
        "y = 2x + 1",
        "The slope is $\\frac{5-1}{2-0} = 2$, so the line is $\\boxed{y = 2x - 1}$.",
        False,
    ),
    (
        "long",
        "45",
        "The train covers 180 km in 4 hours, so its speed is $180/4 = 45$ km/h.\n\n"
        "The answer is $\\boxed{45 \\text{ km/h}}$.",
        True,
    ),
    (
        "long",
        "45",
        "The train covers 180 km in 4 hours, so $\\boxed{180}$ km over $\\boxed{4}$ h: "
        "the speed is $\\boxed{40 \\text{ km/h}}$.",
        False,
    ),
]


def cases() -> Iterator[dict[str, object]]:
    rng = random.Random(20250611)
    for kind, generate in TYPES.items():
        for gold, answer, equivalent in generate(rng):
            completion = _wrap(rng, answer) if rng.random() < 0.85 else answer
            yield {"type": kind, "gold": gold, "completion": completion, "equivalent": equivalent}
    for kind, gold, completion, equivalent in RAW:
        yield {"type": kind, "gold": gold, "completion": completion, "equivalent": equivalent}


def main() -> None:
    rows = list(cases())
    with OUT.open("w") as out:
        for i, row in enumerate(rows):
            out.write(json.dumps({"id": i, **row}) + "\n")
    print(f"wrote {len(rows)} cases to {OUT}")


if __name__ == "__main__":
    main()
