"""A stdin/stdout problem in all six languages, through the production sandbox wiring.

tests/data/code_problems/a_plus_b/ holds the tests and, per language, a correct solution,
a wrong one (each with a real bug: 32-bit overflow, float precision, an off-by-one, a
parse that throws) and, for compiled languages, one that does not compile.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from referee_service import Settings
from referee_service.judge import CodeJudge
from referee_service.runtime import build_sandbox, sandbox_limits

from tests.integration.test_code_formats import judge_items, outcomes

pytestmark = pytest.mark.docker

PROBLEM = Path(__file__).parents[1] / "data" / "code_problems" / "a_plus_b"
TESTS: list[dict[str, str]] = json.loads((PROBLEM / "tests.json").read_text())["tests"]
EXTENSIONS = {
    "python": "py",
    "c": "c",
    "cpp": "cpp",
    "java": "java",
    "javascript": "js",
    "rust": "rs",
}
COMPILED = ("c", "cpp", "java", "rust")

# How each wrong solution fails, test by test (the third test needs 64-bit integers).
WRONG = {
    "python": ["wrong_answer"] * 3,  # never answers the last pair
    "c": ["passed", "passed", "wrong_answer"],  # int overflow
    "cpp": ["passed", "passed", "wrong_answer"],  # a failed int read
    "java": ["passed", "passed", "runtime_error"],  # NumberFormatException
    "javascript": ["passed", "passed", "wrong_answer"],  # doubles round 8e18 + 1
    "rust": ["passed", "passed", "runtime_error"],  # an i32 parse panics
}


@pytest.fixture(scope="module")
def judge() -> Iterator[CodeJudge]:
    settings = Settings()
    backend = build_sandbox(settings)
    assert backend is not None
    code_judge = CodeJudge(backend, limits=sandbox_limits(settings), concurrency=4)
    yield code_judge
    code_judge.close()


def _item(language: str, variant: str) -> dict[str, Any]:
    source = (PROBLEM / f"{variant}.{EXTENSIONS[language]}").read_text()
    fence = f"Here is my solution:\n\n```{language}\n{source}```\n"
    return {
        "kind": "code",
        "id": f"{language}:{variant}",
        "language": language,
        "completion": fence,
        "tests": TESTS,
    }


def _skip_if_unsupported(result: dict[str, Any], language: str) -> None:
    """Skip (naming the language) only when the sandbox has no runtime for it at all."""
    if result["status"] in ("sandbox_error", "sandbox_unavailable"):
        errors = json.dumps(result["details"])
        pytest.skip(f"the sandbox image cannot run {language} yet: {errors[:300]}")


@pytest.mark.parametrize("language", list(EXTENSIONS))
def test_correct_and_wrong_solutions_in_every_language(judge: CodeJudge, language: str) -> None:
    correct, wrong = judge_items(judge, [_item(language, "correct"), _item(language, "wrong")])
    _skip_if_unsupported(correct, language)
    assert (correct["status"], correct["reward"]) == ("correct", 1.0), correct["details"]
    assert outcomes(wrong) == WRONG[language], wrong["details"]
    assert wrong["reward"] == pytest.approx(WRONG[language].count("passed") / 3)


@pytest.mark.parametrize("language", COMPILED)
def test_a_program_that_does_not_compile_is_a_compile_error(
    judge: CodeJudge, language: str
) -> None:
    (result,) = judge_items(judge, [_item(language, "compile_error")])
    _skip_if_unsupported(result, language)
    assert (result["status"], result["reward"]) == ("compile_error", 0.0)
    assert outcomes(result) == ["compile_error"] * 3
    assert result["details"]["compile_output"]  # the compiler's message, for the trainer


@pytest.mark.parametrize("language", COMPILED)
def test_stop_on_first_failure_in_a_compiled_language(judge: CodeJudge, language: str) -> None:
    item = _item(language, "wrong") | {"tests": [TESTS[2], TESTS[0], TESTS[1]]}
    (result,) = judge_items(judge, [item], stop_on_first_failure=True)
    _skip_if_unsupported(result, language)
    assert outcomes(result)[1:] == ["skipped", "skipped"]
    assert outcomes(result)[0] in ("wrong_answer", "runtime_error")
