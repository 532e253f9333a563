"""``item_from_label`` on labels it cannot read: a reason for that sample, never an exception."""

import json

import pytest
from referee_client.labels import item_from_label
from referee_client.protocol import CodeItem, MathItem

DEEP_OBJECT = "{" + '"a":{' * 3000 + "}" * 3001
DEEP_LIST = "[" * 3000 + "]" * 3000
DEEP_LIST_300 = "[" * 300 + "]" * 300  # json.loads reads it; the protocol refuses it


@pytest.mark.parametrize(
    "label, reason",
    [
        ({"inputs": 5, "outputs": 5}, "`inputs` and `outputs` lists"),
        ({"inputs": "ab", "outputs": [1, 2]}, "`inputs` and `outputs` lists"),
        (DEEP_OBJECT, "nested too deeply"),
        ({"tests": DEEP_LIST}, "nested too deeply"),
        ("\ud800", "math.gold"),
        (
            {"kind": "ifeval", "instruction_id_list": ["punctuation:no_comma"], "prompt": "\udfff"},
            "ifeval.prompt",
        ),
        ({"kind": "code", "tests": [{"stdout": "\ud800"}]}, "stdout"),
        ({"fn_name": "f", "inputs": [[1]], "outputs": [float("inf")]}, "finite number"),
        (
            {"fn_name": "f", "inputs": [[1]], "outputs": [json.loads(DEEP_LIST_300)]},
            "MAX_JSON_DEPTH",
        ),
        (
            '{"tests": [{"stdout": "' + "1" * 5000 + '"}], "x": ' + "9" * 5000 + "}",
            "cannot be read",
        ),
    ],
    ids=[
        "inputs-not-lists",
        "inputs-a-string",
        "deep-json-label",
        "deep-json-tests",
        "lone-surrogate-gold",
        "lone-surrogate-ifeval-prompt",
        "lone-surrogate-stdout",
        "non-finite-output",
        "deep-expected",
        "integer-too-long",
    ],
)
def test_an_unreadable_label_is_a_reason_not_an_exception(label: object, reason: str) -> None:
    result = item_from_label("\\boxed{2}", label)
    assert isinstance(result, str), result
    assert reason in result
    result.encode()  # the reason itself is valid Unicode: it goes back in a response


def test_a_completion_that_is_not_valid_unicode_is_a_reason() -> None:
    result = item_from_label("x\ud800", "2")
    assert isinstance(result, str) and "completion" in result


def test_readable_labels_still_make_items() -> None:
    assert isinstance(item_from_label("\\boxed{2}", "2"), MathItem)
    code = item_from_label("print(1)", {"inputs": ["\n"], "outputs": ["1\n"]})
    assert isinstance(code, CodeItem)
