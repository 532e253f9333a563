"""Short-answer matching: choice letters, exact match, token F1."""

from __future__ import annotations

import pytest
from referee_verifiers.match import grade_match, normalize_answer, token_f1

# (completion, golds, expected status, extracted letter or None).
CHOICE_ROWS = [
    (r"So the result is $\boxed{B}$.", ["B"], "correct", "B"),
    (r"\boxed{\text{(C)}}", ["C"], "correct", "C"),
    ("The answer is (B).", ["B"], "correct", "B"),
    ("the correct answer is: **D**", ["D"], "correct", "D"),
    ("Answer: b", ["B"], "no_answer", None),  # lowercase after a cue reads as a word
    ("Answer: (b)", ["B"], "correct", "B"),
    ("Option A is wrong since 3 > 2. The correct option is C.", ["C"], "correct", "C"),
    ("B", ["B"], "correct", "B"),
    (" (c). ", ["C"], "correct", "C"),
    ("b", ["B"], "correct", "B"),
    ("Answer: A", ["B"], "incorrect", "A"),
    ("A", ["(B)", "C."], "incorrect", "A"),
    ("C", ["(B)", "C."], "correct", "C"),
    ("<think>maybe the answer is A</think>Answer: C", ["C"], "correct", "C"),
    ("The answer is A or B.", ["A"], "incorrect", None),
    ("A or B", ["A"], "incorrect", None),
    ("The answer is A, C", ["A"], "incorrect", None),
    (r"\boxed{A} hmm, no: \boxed{B}", ["B"], "incorrect", None),
    ("The answer is A. Final answer: B", ["B"], "incorrect", None),
    ("The answer is Berlin.", ["B"], "no_answer", None),
    ("I think it is the first one.", ["A"], "no_answer", None),
    ("", ["A"], "no_answer", None),
]


@pytest.mark.parametrize(("completion", "golds", "status", "letter"), CHOICE_ROWS)
def test_choice_rows(completion: str, golds: list[str], status: str, letter: str | None) -> None:
    verdict = grade_match(completion, golds, "choice")
    assert verdict.status == status, verdict.details
    assert verdict.reward == (1.0 if status == "correct" else 0.0)
    assert verdict.details["extracted"] == letter


def test_choice_hedge_is_reported() -> None:
    verdict = grade_match("The answer is A or B.", ["A"], "choice")
    assert verdict.details["hedged"] == ["A", "B"]


@pytest.mark.parametrize(
    ("completion", "golds", "status"),
    [
        ("Paris", ["paris"], "correct"),
        ("The Eiffel Tower!", ["eiffel tower"], "correct"),
        ("The answer is: the Eiffel  Tower.", ["Eiffel tower"], "correct"),
        ("<think>Rome? no</think>Paris", ["Paris"], "correct"),
        ("<answer>Paris</answer>", ["Lyon", "Paris"], "correct"),
        (r"so \boxed{\text{Paris}}", ["Paris"], "correct"),
        ("The capital is Paris.", ["Paris"], "incorrect"),
        ("Lyon", ["Paris"], "incorrect"),
        ("  ...  ", ["Paris"], "no_answer"),
        ("The", ["Paris"], "no_answer"),
    ],
)
def test_exact_match(completion: str, golds: list[str], status: str) -> None:
    verdict = grade_match(completion, golds, "exact")
    assert verdict.status == status, verdict.details
    assert verdict.reward == (1.0 if status == "correct" else 0.0)


def test_a_bare_string_gold_is_one_gold_not_its_characters() -> None:
    assert grade_match("Paris", "Paris", "exact").status == "correct"
    assert grade_match("P", "Paris", "exact").status == "incorrect"


@pytest.mark.parametrize(
    ("completion", "golds", "f1", "status"),
    [
        ("Eiffel Tower", ["the Eiffel Tower"], 1.0, "correct"),
        ("Eiffel Tower in Paris", ["Eiffel Tower"], 2 / 3, "incorrect"),
        ("Tower", ["Eiffel Tower", "Tower Bridge"], 2 / 3, "incorrect"),
        ("Louvre", ["Eiffel Tower"], 0.0, "incorrect"),
        ("Eiffel", ["Eiffel Tower", "the Eiffel"], 1.0, "correct"),
    ],
)
def test_f1_is_the_best_token_f1_over_golds(
    completion: str, golds: list[str], f1: float, status: str
) -> None:
    verdict = grade_match(completion, golds, "f1")
    assert verdict.status == status
    assert verdict.reward == pytest.approx(f1)
    assert verdict.details["f1"] == pytest.approx(f1)


def test_normalize_answer_follows_squad() -> None:
    assert normalize_answer("  The  Quick, brown-fox; an «apple»! ") == "quick brown fox apple"
    assert normalize_answer("A") == ""


def test_token_f1_counts_repeated_tokens_once_each() -> None:
    assert token_f1("a a b", "a b") == pytest.approx(0.8)
    assert token_f1("", "") == 1.0
    assert token_f1("x", "") == 0.0


@pytest.mark.parametrize(
    ("golds", "mode", "field"),
    [
        (["A"], "fuzzy", "mode"),
        ([], "exact", "golds"),
        (["  "], "f1", "golds"),
        (["A", "Paris"], "choice", "golds[1]"),
        (["AB"], "choice", "golds[0]"),
    ],
)
def test_invalid_input(golds: list[str], mode: str, field: str) -> None:
    verdict = grade_match("A", golds, mode)
    assert (verdict.status, verdict.reward) == ("invalid_input", 0.0)
    assert verdict.details["error"].startswith(field)
