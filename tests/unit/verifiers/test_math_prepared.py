"""The RL-batch API (prepare a gold once, grade many completions), options and hedging."""

from __future__ import annotations

import pytest
from referee_verifiers.math import extract, grade, grade_cheap, grade_prepared, prepare_gold
from referee_verifiers.math._parse import parse_answer


def test_a_prepared_gold_is_parsed_once_and_reused() -> None:
    prepare_gold.cache_clear()
    prepared = prepare_gold(r"\{1, 2\}")
    assert prepare_gold(r"\{1, 2\}") is prepared
    assert prepared.answer is not None and prepared.answer.kind == "set"
    verdicts = [grade_prepared(prepared, rf"so \boxed{{{a}}}") for a in ("2, 1", "1, 2", "1")]
    assert [v.status for v in verdicts] == ["correct", "correct", "incorrect"]
    assert prepare_gold.cache_info().misses == 1


def test_grade_prepared_agrees_with_grade() -> None:
    gold, completion = "y = 2x + 1", r"\boxed{2y = 4x + 2}"
    assert grade_prepared(prepare_gold(gold), completion).status == grade(completion, gold).status


def test_a_boxed_gold_is_unwrapped() -> None:
    assert grade(r"\boxed{3/4}", r"The answer is $\boxed{\frac{3}{4}}$").status == "correct"


def test_details_name_the_answer_its_normal_forms_and_the_rule() -> None:
    details = grade(r"So $\boxed{\dfrac{1}{2}\text{ cm}}$.", "0.5").details
    assert details["extracted"] == r"\frac{1}{2}"
    assert details["gold_normalized"] == "0.5"
    assert details["rule"] == "numeric"
    assert details["source"] == "boxed"
    assert details["time_s"] >= 0


def test_strict_policy_reads_only_boxes() -> None:
    assert grade("The answer is 42.", "42", policy="strict").status == "no_answer"
    assert grade("The answer is 42.", "42", policy="lenient").status == "correct"
    assert grade(r"\fbox{42}", "42", policy="strict").status == "correct"


def test_rel_tol_widens_numeric_equality() -> None:
    assert grade(r"\boxed{3.14}", r"\pi").status == "incorrect"
    assert grade(r"\boxed{3.1416}", r"\pi", rel_tol=1e-4).status == "correct"
    assert grade(r"\boxed{0.3334}", "1/3", rel_tol=1e-3).status == "correct"


@pytest.mark.parametrize("bad", [{"policy": "loose"}, {"rel_tol": 0.5}, {"rel_tol": -1.0}])
def test_bad_options_are_the_callers_error(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        grade(r"\boxed{1}", "1", **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("completion", "gold", "status"),
    [
        (r"\boxed{1} or \boxed{2}", "1", "incorrect"),
        (r"\boxed{1} or \boxed{2}", "1, 2", "correct"),
        (r"The answer is \boxed{5}. Alternatively, it might be \boxed{6}.", "5", "incorrect"),
        ("The answer is 1 or 2.", "1", "incorrect"),
        (r"\boxed{x = 1 \text{ or } x = 2}", "1", "incorrect"),
        (r"\boxed{3} \quad \boxed{3}", "3", "correct"),  # the same answer twice is no hedge
    ],
)
def test_hedged_answers_never_score_against_a_single_gold(
    completion: str, gold: str, status: str
) -> None:
    verdict = grade(completion, gold)
    assert verdict.status == status, verdict.details
    if status == "incorrect" and gold == "1":
        assert verdict.details["rule"] == "hedge"


def test_extraction_reports_every_answer_of_the_final_group() -> None:
    assert extract(r"\boxed{1}, \boxed{2} and \boxed{2}").parts == ("1", "2")
    assert extract(r"\boxed{\boxed{12}}").parts == ("12",)


@pytest.mark.parametrize(
    ("completion", "gold", "decided"),
    [
        (r"\boxed{0.5}", r"\frac{1}{2}", "correct"),
        (r"\boxed{3}", "4", "incorrect"),
        ("no answer here", "4", "no_answer"),
        (r"\boxed{x+1}", "1+x", None),  # needs sympy: left to the pool
        (r"\boxed{90^\circ}", r"\frac{\pi}{2}", None),
    ],
)
def test_grade_cheap_decides_only_without_sympy(
    completion: str, gold: str, decided: str | None
) -> None:
    verdict = grade_cheap(prepare_gold(gold), completion)
    assert (verdict.status if verdict else None) == decided
    if verdict is not None:
        assert verdict.status == grade(completion, gold).status


def test_parsed_answers_are_cached() -> None:
    assert parse_answer("[2, 5)") is parse_answer("[2, 5)")


def test_a_huge_completion_costs_little() -> None:
    completion = r"\boxed{1} " * 50_000 + "word " * 200_000 + r"so \boxed{7}"
    verdict = grade(completion, "7")
    assert verdict.status == "correct"
    assert verdict.details["time_s"] < 1.0
