"""Math answers: extraction, comparison and grading, as (gold, completion, expected) rows."""

from __future__ import annotations

import importlib

import pytest
from referee_verifiers import Verdict, grade
from referee_verifiers.math import compare, extract_answer
from referee_verifiers.math._normalize import normalize

# (gold, completion, expected status). Every bug report adds a row.
GRADE_ROWS = [
    ("0.5", r"so \boxed{\frac{1}{2}}", "correct"),
    ("0.5", r"\boxed{2}", "incorrect"),
    (r"\frac{\sqrt3}{2}", r"\boxed{\frac{\sqrt{3}}{2}}", "correct"),
    ("1+x^2", r"\boxed{x^2+1}", "correct"),
    ("2(x+1)", r"\boxed{2x+2}", "correct"),
    ("1/3", r"\boxed{0.333}", "incorrect"),
    ("1000", r"\boxed{1,000}", "correct"),
    ("1,000", r"\boxed{1000}", "correct"),
    ("1", r"the answer is \boxed{}", "no_answer"),
    ("1", "I could not solve it", "no_answer"),
    ("1", "", "no_answer"),
    ("0.75", r"$\dfrac{3}{4}$", "correct"),
    ("2", r"first \boxed{1}, on reflection \boxed{2}", "correct"),
    ("1", r"first \boxed{1}, on reflection \boxed{2}", "incorrect"),
    ("42", "The answer is 42.", "correct"),
    ("8", "3 apples and 5 pears make 8", "correct"),
    ("72", "Natalia sold 48 + 24 clips.\n#### 72", "correct"),
    ("5", r"\boxed 5", "correct"),
    ("1000", r"\boxed{1e3}", "correct"),
    (r"\sqrt{2}", r"\boxed{1.41421356237}", "correct"),
    (r"\sqrt{2}", r"\boxed{1.414}", "incorrect"),
    (r"\pi", r"\boxed{3.14159}", "incorrect"),
    ("x/2", r"\boxed{0.5x}", "correct"),
    ("x^2+1", "x**2 + 1", "correct"),
    ("90", r"\boxed{90^\circ}", "correct"),
    ("5", r"\boxed{\text{5}}", "correct"),
    ("-3/4", r"\boxed{-\frac{3}{4}}", "correct"),
    ("(1,2)", r"\boxed{(1, 2)}", "correct"),
    (r"\frac{1}{2}", r"\boxed{\left( \frac{1}{2} \right)}", "correct"),
    ("1", r"\boxed{10^{10^{10^{10}}}}", "incorrect"),
    # Found by the held-out set (tests/data/math_heldout.jsonl) and probes around each fix.
    (r"\frac{1}{3}", r"\boxed{0.\overline{3}}", "correct"),
    (r"\frac{1}{7}", r"\boxed{0.\overline{142857}}", "correct"),
    ("0.333", r"\boxed{0.\overline{3}}", "incorrect"),
    ("9.8", r"\boxed{9.8 \, \mathrm{m/s^2}}", "correct"),
    (r"8\pi", r"\boxed{8 \pi \text{ square units}}", "correct"),
    (r"\{1,2\}", r"\boxed{\{1,1,2\}}", "correct"),
    (r"\{1,2,3\}", r"\boxed{\{1,1,2\}}", "incorrect"),
    ("{1, 2, 3}", r"\boxed{\{3,1,2\}}", "correct"),
    ("(2,3)", r"\boxed{(a,b) = (2,3)}", "correct"),
    ("(3,2)", r"\boxed{(a,b) = (2,3)}", "incorrect"),
    ("256", r"\boxed{2^8 = 256}", "correct"),
    ("254", r"\boxed{2^8 = 254}", "incorrect"),
    (
        r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}",
        r"\boxed{\left(\begin{array}{c} 1 \\ 2 \end{array}\right)}",
        "correct",
    ),
    ("[1,4]", r"\boxed{x \in [1,4]}", "correct"),
    ("[1,4]", r"\boxed{x \in (1,4)}", "incorrect"),
    (r"(-\infty,-1)\cup(2,\infty)", r"\boxed{x<-1 \text{ or } x>2}", "correct"),
    ("(1,3)", r"\boxed{x > 1 \text{ and } x < 3}", "correct"),
    ("(1,3)", r"\boxed{x > 1, x < 3}", "incorrect"),
    (r"(-\infty,0)\cup(0,\infty)", r"\boxed{\mathbb{R}\setminus\{0\}}", "correct"),
    ("B", r"\boxed{\textbf{(B)}\ 12}", "correct"),
    ("C", r"\boxed{(C) \text{ and } (D)}", "incorrect"),
    ("12", r"\boxed{12} or \boxed{12.0}", "correct"),
    ("12", r"\boxed{12} or \boxed{13}", "incorrect"),
    ("36", "Final Answer: The final answer is 36. I hope it is correct.", "correct"),
    ("(1,2)", "so \\boxed{(2,1)}.\n\nWait, I swapped them.\n\n**Answer:** (1,2)", "correct"),
    ("2", "Thus \\boxed{2}.\n\nHmm, it could also be 3.\n\n**Answer:** 3", "incorrect"),
    ("12", "So \\boxed{12}.\n\nNote: counting rotations, the answer is 144 instead.", "correct"),
    ("5", "So \\boxed{5}.\n\nAnswer: 5 or 6", "incorrect"),
    ("12", "So \\boxed{12}.\n\nAnswer: see above", "correct"),
]


@pytest.mark.parametrize(("gold", "completion", "expected"), GRADE_ROWS)
def test_grade_rows(gold: str, completion: str, expected: str) -> None:
    verdict = grade(completion, gold)
    assert verdict.status == expected, verdict.details
    assert verdict.reward == (1.0 if expected == "correct" else 0.0)


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        (r"\boxed{\frac{\sqrt{3}}{2}}", r"\frac{\sqrt{3}}{2}"),
        (r"\fbox{7}", "7"),
        (r"\boxed{a} and \boxed{b}", "a, b"),  # one group of two answers: hedged
        (r"\boxed{a}. Checking again, the value is \boxed{b}", "b"),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
        (r"\boxed{unterminated", None),
        (r"\boxed{1} then \boxed{", None),
        ("1/2", "1/2"),
        (r"\frac{1}{2}", r"\frac{1}{2}"),
        ("x^2+1", "x^2+1"),
        ("The final answer is $x+1$.", "x+1"),
        ("Answer: 17", "17"),
        ("we get 3 then 4.5 so", "4.5"),
        ("no digits here at all, none", None),
        ("   ", None),
    ],
)
def test_extract_answer(completion: str, expected: str | None) -> None:
    assert extract_answer(completion) == expected


def test_fallbacks_read_only_the_tail_of_a_huge_completion() -> None:
    completion = "7 " + "word " * 200_000 + "so the result is 9"
    assert extract_answer(completion) == "9"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$1,000$", "1000"),
        ("1,2", "1,2"),
        ("12,345,678.5", "12345678.5"),
        ("1,0000", "1,0000"),
        (r"\dfrac{1}{2}", r"\frac{1}{2}"),
        (r"\tfrac12", r"\frac{1}{2}"),
        (r"\sqrt3", r"\sqrt{3}"),
        (r"1\!000", "1 000"),
        (r"\text{\textbf{5}}.", "5"),
        (r"50\%", "50%"),
        (r"90^{\circ}", "90°"),
        (r"5\text{ cm}", "5"),
        ("12 apples", "12"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("0.5", r"\frac{1}{2}", (True, "numeric")),
        ("0.333", "1/3", (False, "numeric")),
        ("2(x+1)", "2x+2", (True, "symbolic")),
        ("x", "x", (True, "string")),
        ("x", "y", (False, "symbolic")),
        ("1", "", (False, "string")),
    ],
)
def test_compare_names_the_rule(gold: str, answer: str, expected: tuple[bool, str]) -> None:
    assert compare(gold, answer) == expected


@pytest.mark.parametrize(
    "hostile",
    ['__import__("os").system("true")', "x.__class__", "exit()", "open(1)", "9**9**9**9"],
)
def test_plain_text_parsing_runs_no_python(hostile: str) -> None:
    assert compare("1", hostile)[0] is False


def test_grade_details_truncate_the_extracted_answer() -> None:
    verdict = grade(r"\boxed{" + "1+" * 500 + "1}", "1")
    assert verdict.status == "incorrect"
    assert len(verdict.details["extracted"]) == 200


def test_grade_turns_a_crash_into_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(gold: object, answer: object, rel_tol: float) -> tuple[bool, str]:
        raise RuntimeError("parser exploded")

    grade_module = importlib.import_module("referee_verifiers.math.grade")
    monkeypatch.setattr(grade_module, "compare_cached", boom)
    verdict = grade(r"\boxed{1}", "1")
    assert verdict == Verdict("internal_error", 0.0, {"error": "RuntimeError: parser exploded"})


# Blind-set findings (tests/data/math_blind3.jsonl), each as the general rule it became.
@pytest.mark.parametrize(
    ("completion", "gold", "status"),
    [
        # only the response counts: not a box tried while reasoning, not a cut-off think
        ("<think>6 * 7 = 42, so \\boxed{42}.</think>", "42", "no_answer"),
        ("<think>6 * 7 is 42. Let me check the phrase", "42", "no_answer"),
        ("<think>try \\boxed{41}</think>\nSo the answer is \\boxed{42}.", "42", "correct"),
        ("reasoning whose <think> was in the prompt</think>\n\\boxed{42}", "42", "correct"),
        ("<think>r</think><answer>42</answer>", "42", "correct"),
        ("<think>r</think><answer>41</answer> 42", "42", "incorrect"),
        # a display on the lines after "the answer is"
        ("Hence the answer is\n\\[\n(-\\infty,3].\n\\]", "(-\\infty, 3]", "correct"),
        ("Hence the answer is\n$$\n\\frac{1}{3}\n$$", "1/3", "correct"),
        ("Hence the answer is\n\\[\n", "3", "no_answer"),
        # thin space before a letter
        ("$$\\boxed{3+4\\,i}$$", "3+4i", "correct"),
        # numerals in a base: the digits and the base, never the digits run together
        ("$\\boxed{1011_{2}}$", "1011_2", "correct"),
        ("$\\boxed{10112}$", "1011_2", "incorrect"),
        ("$\\boxed{1011_{3}}$", "1011_{2}", "incorrect"),
        ("$\\boxed{11}$", "1011_2", "incorrect"),
        # a choice letter with its value, against a gold that is the value
        ("Since 3 x 4 = 12, the answer is (C) 12.", "12", "correct"),
        ("Since 3 x 4 = 13, the answer is (D) 13.", "12", "incorrect"),
        # inline math, not its last digit
        ("Solving, we get $\\frac{3}{2}$", "2", "incorrect"),
        ("Solving, we get $\\frac{3}{2}$", "3/2", "correct"),
        ("Factoring gives roots, so $x = 2$ or $x = -3$.", "-3, 2", "correct"),
        ("Completing squares, its equation is $x^2 + y^2 = 25$.", "x^2+y^2=25", "correct"),
        ("She sells each for $2 each, making 14 dollars a day.", "14", "correct"),
    ],
)
def test_blind_set_rules(completion: str, gold: str, status: str) -> None:
    assert grade(completion, gold).status == status


# Fourth blind set's findings (tests/data/math_blind4.jsonl), each as the general rule.
@pytest.mark.parametrize(
    ("gold", "answer", "equal"),
    [
        # "\pmod" is not "\pm"; a congruence's residue is the answer
        ("3", "3 \\pmod 7", True),
        ("x \\equiv 3 \\pmod 7", "3", True),
        ("3", "4 \\pmod 7", False),
        # a mark on both sides is read once: 0.25% is not 25%
        ("25\\%", "0.25\\%", False),
        ("25\\%", "0.25", True),
        # exact integers are exact, however large
        ("2^{2023}-1", "-1+2^{2023}", True),
        ("2^{1100}", "2^{1100}+1", False),
        ("1000000000001", "1000000000000", False),
        # a degree mark inside a trig argument
        ("\\frac12", "\\sin 30^\\circ", True),
        ("\\frac12", "\\sin 30", False),
        # number words, fractions in words, a noun after them
        ("5", "five", True),
        ("500", "Five hundred tickets", True),
        ("\\frac{3}{4}", "three-fourths of the pizza", True),
        ("1.5", "one and a half hours", True),
        ("21", "twenty-one", True),
        ("21", "twenty-two", False),
        ("7/2", "3 and 1/2", True),
        # units and currency around a value
        ("3600", "3600 s", True),
        ("5", "5 km/h", True),
        ("18", "USD 18", True),
        ("2x", "2 x", True),
        # the empty set, however it is said
        ("\\text{no solution}", "\\emptyset", True),
        ("\\emptyset", "no real solutions", True),
        ("\\text{no solution}", "2", False),
        ("yes", "no", False),
        # what is being defined is the unknown side
        ("2x+1", "f(x) = 2x+1", True),
        ("\\frac{x-1}{2}", "f^{-1}(x)=\\frac{x-1}{2}", True),
        ("2x", "\\frac{dy}{dx} = 2x", True),
        ("2x+1", "f(x) = 2x+2", False),
        # qualifiers after the answer
        ("x", "f(x) = x \\text{ for all } x \\in \\mathbb{R}", True),
        ("n = 2^k", "n = 2^k \\text{ for } k \\ge 0", True),
    ],
)
def test_blind_set_4_equivalence_rules(gold: str, answer: str, equal: bool) -> None:
    assert compare(gold, answer)[0] is equal


@pytest.mark.parametrize(
    ("completion", "gold", "status"),
    [
        ("Adding them up.\n\n**Answer**: 17 (since a_18 = 53 > 50)", "17", "correct"),
        ("所以概率为 $\\dfrac{3}{5}$。 故答案为\uff1a$\\dfrac{3}{5}$", "\\frac{3}{5}", "correct"),
        ("2 \u00d7 4 = 8 なので、答えは 8 です。", "8", "correct"),
        # a base model answering, then inventing the next question and answering that too
        (
            "So the answer is $8$.\n\nQuestion: A farmer has 9 cows. The answer is $9$.",
            "8",
            "correct",
        ),
        (
            "So the answer is $8$.\n\nQuestion: A farmer has 9 cows. The answer is $9$.",
            "9",
            "incorrect",
        ),
        # a box taken back: the answer stated after the retraction is the final one
        (
            "so the answer is $\\boxed{15}$. Wait, that's wrong: it is $\\binom72=21$. "
            "So the answer is 21.",
            "21",
            "correct",
        ),
        (
            "so the answer is $\\boxed{15}$. Wait, that's wrong: it is $\\binom72=21$. "
            "So the answer is 21.",
            "15",
            "incorrect",
        ),
        ("$\\boxed{15}$\nSo the answer is 21.", "21", "correct"),
        # a mixed number in prose is read whole
        ("8 x 2/3 = 16/3, which is 5 and 1/3 cups.", "\\frac{16}{3}", "correct"),
    ],
)
def test_blind_set_4_extraction_rules(completion: str, gold: str, status: str) -> None:
    assert grade(completion, gold).status == status


@pytest.mark.parametrize(
    ("gold", "answer", "equal"),
    [
        # matrices: a scalar factored out, brackets around an array, a list of rows
        (
            "\\begin{pmatrix} 3/10 & -1/5 \\\\ -1/10 & 2/5 \\end{pmatrix}",
            "\\frac{1}{10}\\begin{pmatrix} 3 & -2 \\\\ -1 & 4 \\end{pmatrix}",
            True,
        ),
        (
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
            "2\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
            False,
        ),
        (
            "\\begin{pmatrix} 3 & -1 \\\\ -5 & 2 \\end{pmatrix}",
            "\\left[\\begin{array}{rr} 3 & -1 \\\\ -5 & 2 \\end{array}\\right]",
            True,
        ),
        ("\\begin{pmatrix} 1 & 4 \\\\ 2 & 5 \\end{pmatrix}", "[[1, 4], [2, 5]]", True),
        ("\\begin{pmatrix} 1 & 4 \\\\ 2 & 5 \\end{pmatrix}", "[[1, 2], [4, 5]]", False),
        # vectors in the standard basis; a lone i is still the imaginary unit
        (
            "\\begin{pmatrix} 2 \\\\ -1 \\\\ 1 \\end{pmatrix}",
            "2\\mathbf{i} - \\mathbf{j} + \\mathbf{k}",
            True,
        ),
        ("\\begin{pmatrix} 2 \\\\ -1 \\\\ 1 \\end{pmatrix}", "2i - j - k", False),
        ("(3, 4)", "3\\hat{i} + 4\\hat{j}", True),
        ("3+4i", "3i + 4j", False),
        ("3+4i", "3 + 4\\mathrm{i}", True),
        ("3+4i", "3 + 4", False),
        # sets: set-builder, \pm inside, the empty set in words
        ("\\{x \\mid x > 2\\}", "(2, \\infty)", True),
        ("\\{x \\mid x > 2\\}", "[2, \\infty)", False),
        ("\\{-1, 0, 1\\}", "\\{0, \\pm 1\\}", True),
        ("\\{-1, 0, 2\\}", "\\{0, \\pm 1\\}", False),
        ("\\emptyset", "the empty set", True),
        ("\\{1\\}", "the empty set", False),
        # unknowns named differently: numbered roots, a function by its name, a named pair
        ("x_1 = 1, x_2 = 5", "x = 1, x = 5", True),
        ("x_1 = 1", "x_2 = 1", False),
        ("f(x) = 0", "f = 0", True),
        ("p=2, q=3", "(p, q) = (2, 3)", True),
        ("p=2, q=3", "(p, q) = (3, 2)", False),
        ("(2, 3)", "(p, q) = (2, 3)", True),
        # repeating decimals written out; a cut-off decimal repeats nothing
        ("\\frac{1}{3}", "0.333...", True),
        ("0.\\overline{45}", "0.454545\\ldots", True),
        ("0.1\\overline{6}", "0.1\\dot{6}", True),
        ("\\frac{4}{33}", "0.\\dot{1}\\dot{2}", True),
        ("\\pi", "3.14159...", False),
        ("1.22", "1.22...", True),
        # an exact value and its approximation: either is the answer, if they agree
        ("12.57", "4\\pi \\approx 12.57", True),
        ("4\\pi", "4\\pi \\approx 12.57", True),
        ("4", "3 \\approx 4", False),
        ("101", "100 \\approx 101", False),
        ("7.1", "\\approx 7.1", True),
        ("\\ln 2", "\\log_e 2", True),
        # choice letters with their option's value or the word "option"
        ("C", "C) 12", True),
        ("12", "C) 12", True),
        ("C", "C) 12 D) 14", False),
        ("A", "option A", True),
        ("a", "A", False),
    ],
)
def test_blind_set_5_equivalence_rules(gold: str, answer: str, equal: bool) -> None:
    assert compare(gold, answer)[0] is equal


def test_a_bold_answer_inside_a_stated_sentence_is_the_answer() -> None:
    completion = "Total: 24 x 45 = 1,080.\n\n**Answer:** The class raises **$1,080**."
    assert grade(completion, "1080").status == "correct"
    assert grade(completion, "1000").status == "incorrect"


# Found by a red team aiming at false positives (each graded correct before its fix).
@pytest.mark.parametrize(
    ("completion", "gold"),
    [
        # an approximation counts only as a rounding of the value, for a decimal gold
        (r"\boxed{\frac{8}{3} \approx 3}", "3"),
        (r"\boxed{e \approx 3}", "3"),
        (r"\boxed{1.1 \approx 1.2}", "1.1"),
        (r"\boxed{1.1 \approx 1.2}", "1.2"),
        (r"\boxed{\frac{1}{3} \approx 0.4}", "0.4"),
        (r"\boxed{1000.4 \approx 1000}", "1000"),
        (r"\boxed{50.4 \approx 50\%}", "0.5"),
        # a percent or degree mark is read as written only where it restates a unit
        (r"\boxed{0.25\%}", "0.25"),
        (r"\boxed{\frac{\pi}{3}^\circ}", r"\frac{\pi}{3}"),
        # words after a value that change it
        (r"\boxed{2 \text{ million}}", "2"),
        (r"\boxed{5 \text{ or more}}", "5"),
        (r"\boxed{5 \text{ at most}}", "5"),
        (r"\boxed{5 \text{ squared}}", "5"),
        (r"\boxed{5 \text{ halves}}", "5"),
        ("The answer is 5 dozen eggs.", "5"),
        (r"\boxed{\text{five or six}}", "5"),
        (r"\boxed{\text{five squared}}", "5"),
        ("The answer is five or six.", "5"),
        # spaces between digits count
        (r"\boxed{1 1/2}", "11/2"),
        ("The answer is 3 1/4.", "31/4"),
        (r"\boxed{2 \quad 3}", "23"),
        # qualifiers that say more than one thing
        (r"\boxed{5 \text{ for some } n, \text{ and } 7 \text{ for others}}", "5"),
        (r"\boxed{2 \text{ (when } n \text{ is even)}}", "2"),
        ("The answer is 5 (as well as 7).", "5"),
        (r"\boxed{f(x) = x \text{ for } x \ge 0, f(x) = -x \text{ otherwise}}", "f(x) = x"),
        # chains, names, order
        (r"\boxed{x = 4 = 5}", "5"),
        (r"\boxed{f = 2x}", r"f^{-1}(x) = 2x"),
        (r"\boxed{y = 2, x = 3}", "(2, 3)"),
        (r"\boxed{(b, a) = (2, 3)}", "(2, 3)"),
        # two choice letters, two boxes, two bold answers
        (r"\boxed{C. 12 or D. 15}", "C"),
        (r"\boxed{C: D}", "C"),
        ("The correct option is C or D.", "C"),
        ("Either (C) or (D).", "D"),
        ("I'd pick **C**, though **D** is also plausible.", "D"),
        (r"\boxed{\boxed{5} \text{ or } \boxed{7}}", "7"),
        (r"\boxed{\boxed{5} + 2}", "5"),
        (r"\boxed{5} / \boxed{7}", "7"),
        (r"\boxed{5} \textbf{or} \boxed{7}", "7"),
        (r"\boxed{5}, maybe \boxed{7}", "7"),
        (r"\boxed{5}; otherwise \boxed{7}", "7"),
        ("Answer: it is either **5** or **7**.", "7"),
        ("\\boxed{12}\n\nThe answer is 12; if rotations were distinct the answer is 24.", "24"),
        ("So the total could be 5 or 7", "7"),
        ("The total is **12** (or **24** with rotations).", "24"),
        # found by review: a bold answer with more said around it, a count scaled twice,
        # an article or ordinal suffix before variables, a ratio against an integer
        ("Answer: **5**, or possibly 7.", "5"),
        ("Answer: **5** if n is even, 7 otherwise.", "5"),
        ("Answer: it is not **5**; it is 7.", "5"),
        (r"\boxed{2 \text{ hundred thousand}}", "200"),
        (r"\boxed{a xy}", "xy"),
        (r"\boxed{4st}", "4"),
        (r"\boxed{25:5}", "5"),
        # a ratio is not a chain of divisions; AM is not PM
        (r"\boxed{2:4:3}", "2:3:4"),
        (r"The final answer is: $\boxed{3:45 \text{ AM}}$", r"3:45 \text{ PM}"),
    ],
)
def test_red_team_false_positives_are_incorrect(completion: str, gold: str) -> None:
    assert grade(completion, gold).status != "correct"


@pytest.mark.parametrize(
    ("gold", "answer"),
    [
        ("2.45", "x \\approx 2.45"),
        ("4\\pi", "A = 4\\pi \\approx 12.57"),
        ("12.57", "x = 4\\pi \\approx 12.57"),
        ("2000000", "2 \\text{ million}"),
        ("60", "5 dozen"),
        ("\\frac{3}{2}", "1 1/2"),
        ("1000000", "1 000 000"),
        ("f(x)=c", "f(x) = c \\text{ for some constant } c"),
        ("(2, 3)", "y = 3, x = 2"),
        ("256", "x = 2^8 = 256"),
        # found by the sixth blind set
        ("10", "C(5,2)"),
        ("10", "{5 \\choose 2}"),
        ("42", "\\gcd(84, 126) = 42"),
        ("7", "2023 \\equiv 7 \\pmod{9}"),
        ("10", "\\text{the 10th term}"),
        ("3", "3^{\\text{rd}}"),
        ("\\text{ellipse}", "\\text{an ellipse}"),
        ("3:45 \\text{ PM}", "15:45"),
        ("6:30 \\text{ PM}", "6:30 \\text{ p.m.}"),
        ("2:3:4", "4:6:8"),
        ("\\frac{3}{4}", "3:4"),
        # ... and by review: ratios that look like times, polar coordinates in their order
        ("12:25", "24:50"),
        ("4:15", "\\frac{4}{15}"),
        ("(2, 1)", "\\rho = 2, \\phi = 1"),
        ("200000", "2 \\text{ hundred thousand}"),
    ],
)
def test_red_team_and_blind_set_6_equivalences(gold: str, answer: str) -> None:
    assert compare(gold, answer)[0] is True


@pytest.mark.parametrize(
    ("completion", "gold"),
    [
        ("So the correct choice is (C) and I am confident.", "C"),
        ("Eliminating (A) and (B), the correct option is (C).", "C"),
        ("The probability is 1/4 (or 25%).", "\\frac{1}{4}"),
        ("The probability is 1/4 (or 25%).", "25\\%"),
    ],
)
def test_one_answer_said_twice_or_among_eliminated_options_is_not_a_hedge(
    completion: str, gold: str
) -> None:
    assert grade(completion, gold).status == "correct"


def test_only_a_short_run_of_digits_is_searched_for_a_repeating_block() -> None:
    # The search is quartic in the digits (190 s for 4,000): past 40 it is not tried.
    assert normalize("0." + "3" * 40 + "...") == "\\frac{1}{3}"
    assert normalize("0." + "3" * 41 + "...") == "0." + "3" * 41
