"""veRL ground truth to Referee items (the HTTP path is the client's, tested elsewhere)."""

import json

from referee_client.verl import to_item


def test_a_string_ground_truth_is_a_math_gold() -> None:
    item = to_item("\\boxed{3}", "3")
    assert not isinstance(item, str) and item.kind == "math" and item.gold == "3"


def test_a_set_gold_starting_with_a_brace_stays_math() -> None:
    item = to_item("\\boxed{\\{1,2\\}}", "{1, 2}")
    assert not isinstance(item, str) and item.kind == "math"


def test_code_ground_truth_becomes_stdin_stdout_tests() -> None:
    truth = json.dumps({"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]})
    item = to_item("print(sum(map(int, input().split())))", truth)
    assert not isinstance(item, str) and item.kind == "code"
    assert [(t.stdin, t.stdout) for t in item.tests or []] == [("1 2\n", "3\n"), ("3 4\n", "7\n")]


def test_unsupported_or_broken_code_ground_truth_says_why() -> None:
    assert "fn_name" in str(to_item("def f(): ...", {"fn_name": "f", "inputs": [], "outputs": []}))
    assert "same length" in str(to_item("x", {"inputs": ["1"], "outputs": []}))
