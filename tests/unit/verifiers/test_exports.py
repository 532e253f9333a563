"""Each verifiers subpackage's ``__all__`` matches what it really exports."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "referee_verifiers",
            {
                "IsolatedPool",
                "Verdict",
                "grade",
                "grade_cheap",
                "grade_prepared",
                "grade_with_deadline",
                "prepare_gold",
                "prepare_gold_cheap",
                "submit_grade",
                "verdict_for_error",
            },
        ),
        (
            "referee_verifiers.math",
            {
                "Extraction",
                "PreparedGold",
                "compare",
                "extract",
                "extract_answer",
                "grade",
                "grade_cheap",
                "grade_prepared",
                "prepare_gold",
                "prepare_gold_cheap",
            },
        ),
        ("referee_verifiers.ifeval", {"INSTRUCTION_IDS", "grade_ifeval"}),
        (
            "referee_verifiers.formatting",
            {"after_thinking", "grade_length", "grade_regex", "grade_think_answer"},
        ),
        (
            "referee_verifiers.match",
            {
                "extract_choice",
                "extract_short_answer",
                "grade_match",
                "normalize_answer",
                "token_f1",
            },
        ),
        (
            "referee_verifiers.code",
            {
                "CompareMode",
                "HarnessReport",
                "assert_request",
                "call_request",
                "extract_program",
                "harness_source",
                "outputs_match",
                "python_syntax_error",
                "read_report",
                "values_match",
            },
        ),
    ],
)
def test_all_is_the_contract(module: str, names: set[str]) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == names
    assert all(hasattr(mod, name) for name in names)
