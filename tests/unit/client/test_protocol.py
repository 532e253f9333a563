from collections.abc import Callable

import pytest
from pydantic import ValidationError
from referee_client.protocol import (
    MAX_JSON_DEPTH,
    MAX_WEIGHT,
    CodeItem,
    ItemResult,
    ScoreRequest,
    Status,
)


def test_issue_example_parses_into_typed_items() -> None:
    request = ScoreRequest.model_validate(
        {
            "items": [
                {"id": "m1", "kind": "math", "completion": r"\boxed{\frac{1}{2}}", "gold": "0.5"},
                {
                    "kind": "code",
                    "language": "python",
                    "completion": "print(1)",
                    "tests": [{"stdin": "", "stdout": "1\n"}],
                },
                {
                    "kind": "code",
                    "completion": "def f(): return 1",
                    "test_code": "assert f() == 1",
                    "entry_point": "f",
                },
            ],
            "options": {"timeout_s": 30},
        }
    )
    assert [type(i).__name__ for i in request.items] == ["MathItem", "CodeItem", "CodeItem"]
    assert request.options.reward == "fraction"


@pytest.mark.parametrize(
    "item, problem",
    [
        ({"completion": "x"}, "`kind` must be"),
        ({"kind": "", "completion": "x"}, "kind"),
        ({"kind": "code", "completion": "print(1)"}, "needs `tests`"),
        ({"kind": "code", "completion": "print(1)", "tests": []}, "needs `tests`"),
        ({"kind": "math", "completion": "1"}, "gold"),
        ({"kind": "math", "completion": "1", "gold": "1", "extra": 1}, "extra"),
    ],
)
def test_bad_items_are_refused_naming_the_problem(item: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        ScoreRequest.model_validate({"items": [item]})


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValidationError, match="items"):
        ScoreRequest.model_validate({"items": []})


def test_code_item_defaults_to_python() -> None:
    item = CodeItem.model_validate({"kind": "code", "completion": "x", "test_code": "assert 1"})
    assert item.language == "python"


def test_reward_must_be_in_unit_interval() -> None:
    with pytest.raises(ValidationError):
        ItemResult(id="a", reward=1.5, status=Status.correct)


# --- Values the protocol refuses wherever they appear, naming the field -------------------

INF, NAN = float("inf"), float("nan")


def _call(**test: object) -> dict[str, object]:
    return {"kind": "code", "completion": "x", "fn_name": "f", "tests": [test]}


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def _refusal(item: dict[str, object], options: dict[str, object] | None = None) -> list[dict]:  # type: ignore[type-arg]
    body: dict[str, object] = {"items": [item]}
    if options is not None:
        body["options"] = options
    with pytest.raises(ValidationError) as info:
        ScoreRequest.model_validate(body)
    return info.value.errors()  # type: ignore[return-value]


COMPOSITE = {"kind": "composite", "completion": "\\boxed{2}"}
MATH = {"kind": "math", "gold": "2"}
IO_CODE = {"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}]}
IFEVAL = {"kind": "ifeval", "completion": "hi", "instruction_id_list": ["punctuation:no_comma"]}


@pytest.mark.parametrize(
    "item, options, loc",
    [
        (
            {**COMPOSITE, "components": [{"weight": INF, "item": MATH}]},
            None,
            ("items", 0, "composite", "components", 0, "weight"),
        ),
        (
            {**IO_CODE, "compare": {"mode": "float", "abs_tol": INF}},
            None,
            ("items", 0, "code", "compare", "abs_tol"),
        ),
        (
            {**IO_CODE, "compare": {"mode": "float", "rel_tol": NAN}},
            None,
            ("items", 0, "code", "compare", "rel_tol"),
        ),
        (_call(expected=INF), None, ("items", 0, "code", "tests", "call", 0, "expected", "float")),
        (
            _call(args=[[1, -INF]], expected=1),
            None,
            ("items", 0, "code", "tests", "call", 0, "args", 0, "list", 1, "float"),
        ),
        (
            _call(kwargs={"a": {"b": NAN}}, expected=1),
            None,
            ("items", 0, "code", "tests", "call", 0, "kwargs", "a", "dict", "b", "float"),
        ),
        (
            {**IFEVAL, "kwargs": [{"n": INF}]},
            None,
            ("items", 0, "ifeval", "kwargs", 0, "n", "float"),
        ),
        (
            {"kind": "my-plugin", "completion": "x", "threshold": NAN},
            None,
            ("items", 0, "plugin", "threshold", "float"),
        ),
        (
            {"kind": "math", "completion": "1", "gold": "1"},
            {"timeout_s": INF},
            ("options", "timeout_s"),
        ),
    ],
    ids=[
        "weight",
        "abs_tol",
        "rel_tol",
        "expected",
        "args",
        "kwargs",
        "ifeval-kwargs",
        "plugin-extra",
        "timeout",
    ],
)
def test_non_finite_numbers_are_refused_naming_the_field(
    item: dict[str, object], options: dict[str, object] | None, loc: tuple[object, ...]
) -> None:
    errors = _refusal(item, options)
    assert [(e["loc"], e["type"]) for e in errors] == [(loc, "finite_number")]


def test_composite_weights_are_bounded_so_their_sum_stays_finite() -> None:
    heavy = {"weight": MAX_WEIGHT, "item": MATH}
    ScoreRequest.model_validate({"items": [{**COMPOSITE, "components": [heavy] * 16}]})
    too_heavy = {"weight": MAX_WEIGHT * 10, "item": MATH}
    errors = _refusal({**COMPOSITE, "components": [too_heavy]})
    assert errors[0]["loc"] == ("items", 0, "composite", "components", 0, "weight")
    assert errors[0]["type"] == "less_than_equal"


@pytest.mark.parametrize(
    "make, loc",
    [
        (lambda v: _call(expected=v), ("items", 0, "code", "tests", "call", 0, "expected")),
        (lambda v: _call(args=[v], expected=1), ("items", 0, "code", "tests", "call", 0, "args")),
        (
            lambda v: _call(kwargs={"k": v}, expected=1),
            ("items", 0, "code", "tests", "call", 0, "kwargs"),
        ),
        (lambda v: {**IFEVAL, "kwargs": [{"k": v}]}, ("items", 0, "ifeval", "kwargs")),
        (
            lambda v: {"kind": "my-plugin", "completion": "x", "data": v},
            ("items", 0, "plugin", "data"),
        ),
    ],
    ids=["expected", "args", "kwargs", "ifeval-kwargs", "plugin-extra"],
)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 300, 990])
def test_deeply_nested_json_values_are_refused_naming_the_field(
    make: Callable[[object], dict[str, object]], loc: tuple[object, ...], depth: int
) -> None:
    errors = _refusal(make(_nested(depth)))
    assert [(e["loc"], e["type"]) for e in errors] == [(loc, "value_error")]
    assert "MAX_JSON_DEPTH" in errors[0]["msg"]


def test_json_values_up_to_the_maximum_depth_are_accepted() -> None:
    # `args` itself is one level: a list argument nested to the maximum less one.
    item = _call(args=[_nested(MAX_JSON_DEPTH - 1)], expected=_nested(MAX_JSON_DEPTH))
    request = ScoreRequest.model_validate({"items": [item]})
    assert request.items[0].tests[0].expected == _nested(MAX_JSON_DEPTH)  # type: ignore[union-attr]


LONE = "\ud800"


@pytest.mark.parametrize(
    "item, loc",
    [
        ({"kind": "math", "completion": LONE, "gold": "2"}, ("math", "completion")),
        ({"kind": "math", "completion": "1", "gold": f"x{LONE}"}, ("math", "gold")),
        (
            {"kind": "match", "completion": "x", "gold": ["a", LONE]},
            ("match", "gold"),
        ),
        (
            {**IO_CODE, "tests": [{"stdin": LONE, "stdout": "1"}]},
            ("code", "tests", "io", 0, "stdin"),
        ),
        ({**IO_CODE, "tests": [{"stdout": LONE}]}, ("code", "tests", "io", 0, "stdout")),
        ({**IO_CODE, "test_code": LONE}, ("code", "test_code")),
        ({**IO_CODE, "test_code": "assert 1", "prelude": LONE}, ("code", "prelude")),
        ({**IO_CODE, "checker": {"code": LONE}}, ("code", "checker", "code")),
        (_call(expected=[LONE]), ("code", "tests", "call", 0, "expected", "list", 0, "str")),
        ({**IFEVAL, "prompt": LONE}, ("ifeval", "prompt")),
        ({**IFEVAL, "instruction_id_list": [LONE]}, ("ifeval", "instruction_id_list", 0)),
        (
            {**COMPOSITE, "components": [{"weight": 1, "item": {**MATH, "gold": LONE}}]},
            ("composite", "components", 0, "item", "math", "gold"),
        ),
        ({"kind": "my-plugin", "completion": "x", "note": LONE}, ("plugin", "note", "str")),
    ],
    ids=[
        "completion",
        "math-gold",
        "match-gold",
        "stdin",
        "stdout",
        "test_code",
        "prelude",
        "checker",
        "expected",
        "ifeval-prompt",
        "instruction-id",
        "composite-component",
        "plugin-extra",
    ],
)
def test_lone_surrogates_are_refused_naming_the_field(
    item: dict[str, object], loc: tuple[object, ...]
) -> None:
    errors = _refusal(item)
    where = ("items", 0, *loc)
    refused = [e["loc"] for e in errors if e["type"] == "string_unicode"]
    assert refused and all(r[: len(where)] == where for r in refused), errors


def test_valid_non_ascii_text_is_accepted() -> None:
    item = {"kind": "math", "completion": "答案是 \\boxed{½} 🎉", "gold": "0.5"}
    assert ScoreRequest.model_validate({"items": [item]}).items[0].completion == item["completion"]


def test_a_bad_function_call_test_is_reported_as_a_call_only() -> None:
    errors = _refusal(_call(args=[], expected=INF))
    assert all("io" not in e["loc"] for e in errors), errors
