"""Format rewards: think/answer structure, user regex, length budget."""

from __future__ import annotations

import time

import pytest
from referee_verifiers.formatting import (
    after_thinking,
    grade_length,
    grade_regex,
    grade_think_answer,
)

# (completion, expected status, the answer in details or None).
THINK_ANSWER_ROWS = [
    ("<think>2+2 is 4</think><answer>4</answer>", "correct", "4"),
    ("\n<think>\nreason\n</think>\n\n<answer> 4 </answer>\n", "correct", "4"),
    ("<think></think><answer>4</answer>", "correct", "4"),
    ("<answer>4</answer>", "incorrect", None),
    ("Sure! <think>r</think><answer>4</answer>", "incorrect", None),
    ("<think>r</think> so: <answer>4</answer>", "incorrect", None),
    ("<think>r</think><answer>4</answer> or maybe 5", "incorrect", None),
    ("<think>r</think><answer>4</answer><answer>5</answer>", "incorrect", None),
    ("<think>r</think><think>again</think><answer>4</answer>", "incorrect", None),
    ("<think>r<answer>4</answer></think>", "incorrect", None),
    ("<think>r</think><answer>4", "incorrect", None),
    ("<answer>4</answer><think>r</think>", "incorrect", None),
    ("<think>never closed <answer>4</answer>", "incorrect", None),
    ("<think>r</think>", "no_answer", None),
    ("<think>r</think><answer>  </answer>", "no_answer", ""),
]


@pytest.mark.parametrize(("completion", "status", "answer"), THINK_ANSWER_ROWS)
def test_think_answer_rows(completion: str, status: str, answer: str | None) -> None:
    verdict = grade_think_answer(completion)
    assert verdict.status == status, verdict.details
    assert verdict.reward == (1.0 if status == "correct" else 0.0)
    assert verdict.details["answer"] == answer
    if status != "correct":
        assert verdict.details["problem"]


def test_think_answer_custom_tags() -> None:
    good = "<reasoning>r</reasoning><final>yes</final>"
    verdict = grade_think_answer(good, think_tag="reasoning", answer_tag="final")
    assert (verdict.status, verdict.details["answer"]) == ("correct", "yes")
    default_tags = "<think>r</think><answer>yes</answer>"
    assert grade_think_answer(default_tags, think_tag="reasoning").status == "incorrect"


def test_think_answer_without_required_answer_takes_the_text_after_thinking() -> None:
    verdict = grade_think_answer("<think>r</think>\nThe answer is 4.", require_answer=False)
    assert (verdict.status, verdict.details["answer"]) == ("correct", "The answer is 4.")
    tagged = grade_think_answer("<think>r</think><answer>4</answer>", require_answer=False)
    assert (tagged.status, tagged.details["answer"]) == ("correct", "4")
    assert grade_think_answer("no thinking", require_answer=False).status == "incorrect"


@pytest.mark.parametrize(
    ("think_tag", "answer_tag", "field"),
    [("bad tag", "answer", "think_tag"), ("think", "<a>", "answer_tag"), ("x", "x", "answer_tag")],
)
def test_think_answer_bad_tags_are_invalid_input(
    think_tag: str, answer_tag: str, field: str
) -> None:
    verdict = grade_think_answer("<think>r</think>", think_tag=think_tag, answer_tag=answer_tag)
    assert verdict.status == "invalid_input"
    assert verdict.details["error"].startswith(field)


@pytest.mark.parametrize(
    ("completion", "pattern", "full", "status"),
    [
        ("The answer is 42.", r"\d+", False, "correct"),
        ("The answer is forty.", r"\d+", False, "incorrect"),
        ("42", r"\d+", True, "correct"),
        ("The answer is 42.", r"\d+", True, "incorrect"),
        ("Line one\nANSWER: B", r"(?im)^answer: [A-D]$", False, "correct"),
    ],
)
def test_regex_search_and_full_match(
    completion: str, pattern: str, full: bool, status: str
) -> None:
    verdict = grade_regex(completion, pattern, full=full)
    assert verdict.status == status
    assert verdict.reward == (1.0 if status == "correct" else 0.0)


def test_regex_details_carry_the_match() -> None:
    assert grade_regex("id: 1234 ok", r"\d{3,}").details["match"] == "1234"


@pytest.mark.parametrize("pattern", ["(unclosed", "*starts with a star", r"\p{NoSuchProperty}"])
def test_regex_bad_pattern_is_invalid_input(pattern: str) -> None:
    verdict = grade_regex("text", pattern)
    assert verdict.status == "invalid_input"
    assert verdict.details["error"].startswith("pattern:")


@pytest.mark.parametrize(
    "pattern",
    ["(?R)", "(?(DEFINE)(?<x>(?&x)a))(?&x)", "(" * 10_000 + "a" + ")" * 10_000],
    ids=["whole-pattern", "define", "nested-groups"],
)
@pytest.mark.parametrize("full", [False, True])
def test_a_pattern_that_recurses_without_end_is_invalid_input_naming_it(
    pattern: str, full: bool
) -> None:
    # The regex module reports these as MemoryError or RecursionError, from compiling or
    # matching: the user's pattern at fault, not a bug of ours (internal_error). Endless
    # recursion takes about 0.8 s to exhaust its stack, so on a loaded machine the 1 s
    # matching limit may end it first: a timeout, which blames the pattern too.
    verdict = grade_regex("aaa", pattern, full=full)
    assert verdict.status in ("invalid_input", "timeout") and verdict.reward == 0.0
    assert verdict.details["error"].startswith("pattern")
    if verdict.status == "invalid_input":
        assert pattern[:20] in verdict.details["error"]


def test_catastrophic_regex_times_out_instead_of_hanging() -> None:
    started = time.perf_counter()
    # Exponential backtracking even for the regex module (which defuses (a+)+ itself).
    verdict = grade_regex("a" * 60 + "!", r"^(a|aa)+$", timeout_s=0.2)
    assert verdict.status == "timeout"
    assert verdict.reward == 0.0
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("completion", "unit", "budget", "hard_limit", "status", "reward"),
    [
        ("one two three", "words", 3, None, "correct", 1.0),
        ("one two three four", "words", 3, None, "incorrect", 0.0),
        ("w " * 15, "words", 10, 20, "incorrect", 0.5),
        ("w " * 12, "words", 10, 20, "incorrect", 0.8),
        ("w " * 20, "words", 10, 20, "incorrect", 0.0),
        ("w " * 25, "words", 10, 20, "incorrect", 0.0),
        ("w " * 11, "words", 10, 10, "incorrect", 0.0),
        ("abcdef", "chars", 6, None, "correct", 1.0),
        ("abcdefgh", "chars", 6, 10, "incorrect", 0.5),
        ("", "words", 1, None, "correct", 1.0),
    ],
)
def test_length_budget_reward(
    completion: str, unit: str, budget: int, hard_limit: int | None, status: str, reward: float
) -> None:
    verdict = grade_length(completion, unit=unit, budget=budget, hard_limit=hard_limit)  # type: ignore[arg-type]
    assert verdict.status == status
    assert verdict.reward == pytest.approx(reward)
    assert verdict.details["length"] == (
        len(completion.split()) if unit == "words" else len(completion)
    )


@pytest.mark.parametrize(
    ("unit", "budget", "hard_limit", "field"),
    [
        ("tokens", 10, None, "unit"),
        ("words", 0, None, "budget"),
        ("words", 2.5, None, "budget"),
        ("words", 10, 5, "hard_limit"),
    ],
)
def test_length_bad_arguments_are_invalid_input(
    unit: str, budget: int, hard_limit: int | None, field: str
) -> None:
    verdict = grade_length("text", unit=unit, budget=budget, hard_limit=hard_limit)  # type: ignore[arg-type]
    assert verdict.status == "invalid_input"
    assert verdict.details["error"].startswith(field)


@pytest.mark.parametrize(
    ("completion", "response"),
    [
        ("<think>a</think>b", "b"),
        ("<think>a</think>b</think>c", "c"),
        ("no reasoning", "no reasoning"),
        ("reasoning whose <think> came with the prompt</think>b", "b"),
        ("<think>cut off while reasoning, \\boxed{4}", ""),
        ("<think>a</think>b<think>thinking again, cut off", ""),
    ],
)
def test_after_thinking_keeps_the_text_after_the_last_think_block(
    completion: str, response: str
) -> None:
    assert after_thinking(completion) == response
