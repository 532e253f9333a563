import pytest
from pydantic import ValidationError
from referee_client.protocol import CodeItem, ItemResult, ScoreRequest, Status


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
