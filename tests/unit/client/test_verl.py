"""veRL's reward-function forms, called the way veRL calls them, against a live service.

veRL's documented shapes: ``reward.custom_reward_function`` names a function called as
``compute_score(data_source, solution_str, ground_truth, extra_info=None, **reward_kwargs)``;
the ``batch`` reward manager calls ``compute_score(data_sources=, solution_strs=,
ground_truths=, extra_infos=, **reward_kwargs)``. A dict return needs a ``score`` key; the
other keys become ``reward_extra_info`` columns, so every sample must carry the same keys.
"""

import json

from referee_client.protocol import MathItem
from referee_client.verl import compute_score, compute_score_async, compute_score_batch, to_item

CODE_TRUTH = json.dumps({"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]})


def test_a_string_ground_truth_is_a_math_gold() -> None:
    item = to_item("\\boxed{3}", "3")
    assert isinstance(item, MathItem) and item.gold == "3"


def test_a_set_gold_starting_with_a_brace_stays_math() -> None:
    item = to_item("\\boxed{\\{1,2\\}}", "{1, 2}")
    assert not isinstance(item, str) and item.kind == "math"


def test_code_ground_truth_becomes_stdin_stdout_tests() -> None:
    item = to_item("print(sum(map(int, input().split())))", CODE_TRUTH)
    assert not isinstance(item, str) and item.kind == "code"
    assert [(t.stdin, t.stdout) for t in item.tests or []] == [  # type: ignore[union-attr]
        ("1 2\n", "3\n"),
        ("3 4\n", "7\n"),
    ]


def test_fn_name_ground_truth_becomes_function_call_tests() -> None:
    truth = {"fn_name": "add", "inputs": [[1, 2], [3, 4]], "outputs": [3, 7]}
    item = to_item("def add(a, b):\n    return a + b", truth)
    assert not isinstance(item, str) and item.kind == "code"
    assert item.fn_name == "add"  # type: ignore[union-attr]
    assert [(t.args, t.expected) for t in item.tests or []] == [  # type: ignore[union-attr]
        ([1, 2], 3),
        ([3, 4], 7),
    ]


def test_assert_ground_truth_carries_its_entry_point_and_prelude() -> None:
    truth = {"test_code": "assert f(2) == g(2)", "entry_point": "f", "prelude": "def g(x): ..."}
    item = to_item("def f(x):\n    return x", truth)
    assert not isinstance(item, str) and item.kind == "code"
    assert (item.entry_point, item.prelude) == ("f", "def g(x): ...")  # type: ignore[union-attr]


def test_broken_code_ground_truth_says_why() -> None:
    assert "same, non-zero length" in str(to_item("x", {"inputs": ["1"], "outputs": []}))
    assert "fn_name" in str(to_item("x", {"fn_name": "f", "tests": [{"stdin": "", "stdout": ""}]}))


def test_per_sample_form_returns_score_and_verdict(live_url: str) -> None:
    result = compute_score("openai/gsm8k", "The answer is 72", "72", None, base_url=live_url)
    assert result == {"score": 1.0, "status": "correct", "error": ""}
    wrong = compute_score("openai/gsm8k", "\\boxed{71}", "72", {"index": 0}, base_url=live_url)
    assert (wrong["score"], wrong["status"]) == (0.0, "incorrect")


async def test_async_form_is_awaited_directly(live_url: str) -> None:
    result = await compute_score_async(
        data_source="math", solution_str="\\boxed{\\frac12}", ground_truth="0.5", base_url=live_url
    )
    assert (result["score"], result["status"]) == (1.0, "correct")


def test_batch_form_keeps_order_and_the_same_keys_for_every_sample(live_url: str) -> None:
    results = compute_score_batch(
        data_sources=["math", "code", "math", "code"],
        solution_strs=["\\boxed{2}", "print(3)", "\\boxed{5}", "print(1)"],
        ground_truths=["2", CODE_TRUTH, "4", {"inputs": ["1"], "outputs": []}],
        extra_infos=[None] * 4,
        base_url=live_url,
    )
    assert [(r["score"], r["status"]) for r in results] == [
        (1.0, "correct"),
        (0.0, "sandbox_unavailable"),  # the test service runs no sandbox
        (0.0, "incorrect"),
        (0.0, "invalid_input"),
    ]
    assert {frozenset(r) for r in results} == {frozenset({"score", "status", "error"})}
    assert "same, non-zero length" in results[3]["error"]
