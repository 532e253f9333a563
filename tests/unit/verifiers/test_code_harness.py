"""The judge's side of the Python test harness: typed values, requests, reports, comparison.

The harness program itself runs only in the sandbox; tests/integration/test_code_formats.py
and test_code_hostile_verdicts.py run it through real Docker.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from referee_verifiers.code import (
    assert_request,
    call_request,
    harness_source,
    python_syntax_error,
    read_report,
    values_match,
)
from referee_verifiers.code.harness import Unencodable, decode_value, encode_value

NONCE = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(10**30),
        1.5,
        -0.0,
        "tüxt\n",
        [1, [2, "x"]],
        (1, (2,), ()),
        {1: "a", "1": "b", (1, 2): [None]},
        {1, 2},
        frozenset({"a"}),
        b"\x00\xff",
        1 + 2j,
        float("inf"),
        float("-inf"),
    ],
)
def test_plain_values_round_trip_with_their_exact_types(value: Any) -> None:
    data = json.loads(json.dumps(encode_value(value)))
    back = decode_value(data)
    assert back == value and type(back) is type(value)
    if isinstance(value, dict):
        assert [type(k) for k in back] == [type(k) for k in value]


def test_nan_round_trips() -> None:
    assert math.isnan(decode_value(json.loads(json.dumps(encode_value(float("nan"))))))


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class SneakyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class SneakyList(list[int]):
    pass


@pytest.mark.parametrize(
    "value",
    [AlwaysEqual(), SneakyInt(3), SneakyList([1]), [1, AlwaysEqual()], {"k": SneakyInt(1)}, len],
)
def test_objects_that_are_not_plain_data_cannot_be_encoded(value: Any) -> None:
    with pytest.raises(Unencodable):
        encode_value(value)


def test_nesting_is_bounded() -> None:
    deep: list[Any] = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(Unencodable):
        encode_value(deep)
    data: Any = []
    for _ in range(200):
        data = [data]
    with pytest.raises(ValueError):
        decode_value(data)


@pytest.mark.parametrize(
    "data",
    [
        {"t": [1], "s": [2]},
        {"x": [1]},
        {"d": [[1]]},
        {"d": [[[1], 2]]},  # an unhashable key
        {"s": [[1]]},
        {"c": ["a", 1]},
        {"b": "not base64!"},
        {"f": "1.5"},
        {"t": "no list"},
    ],
)
def test_decoding_accepts_only_typed_data(data: Any) -> None:
    with pytest.raises(ValueError):
        decode_value(data)


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        (None, None, True),
        (None, 0, False),
        (1, 1, True),
        (1, True, False),  # a bool is not an int
        (True, 1, False),
        (True, True, True),
        (1, 1.0, False),  # an int was expected
        (1.0, 1, True),  # an int is a float's value
        (0.1 + 0.2, 0.3, False),  # exact unless a tolerance is given
        ("a", "a", True),
        ("1", 1, False),
        ([1, 2], [1, 2], True),
        ([1, 2], (1, 2), True),  # JSON arrays cannot say tuple
        ([1, 2], [1, 2, 3], False),
        ([1, 2], {1, 2}, False),
        ([[1]], [(1,)], True),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"1": 1}, {1: 1}, False),
        ({"a": [True]}, {"a": [1]}, False),
        (1.5, 10**400, False),  # past any float: not an OverflowError
        (1.5, -(10**400), False),
    ],
)
def test_values_match_strictly(expected: Any, actual: Any, match: bool) -> None:
    assert values_match(expected, actual) is match


def test_values_match_applies_float_tolerances_at_any_depth() -> None:
    assert values_match([0.3], [0.1 + 0.2], rel_tol=1e-9)
    assert values_match({"x": 1.0}, {"x": 1.001}, abs_tol=0.01)
    assert not values_match({"x": 1.0}, {"x": 1.1}, abs_tol=0.01)


def test_values_match_never_calls_an_objects_eq() -> None:
    assert not values_match(1, AlwaysEqual())
    assert not values_match([1], [SneakyInt(1)])
    assert not values_match(1, SneakyInt(1))


def test_an_assert_request_carries_the_program_tests_and_nonce() -> None:
    request = json.loads(assert_request("def f(): pass", "assert f() is None", "f", NONCE))
    assert request == {
        "nonce": NONCE,
        "mode": "assert",
        "program": "def f(): pass",
        "prelude": None,
        "test_code": "assert f() is None",
        "entry_point": "f",
    }
    helper = "def g():\n    return 1\n"
    with_prelude = json.loads(assert_request("def f(): pass", "assert g()", "f", NONCE, helper))
    assert with_prelude["prelude"] == helper


def test_a_call_request_carries_no_expected_value() -> None:
    request = json.loads(call_request("def f(x): pass", "f", [1], {"y": 2}, NONCE))
    assert request == {
        "nonce": NONCE,
        "mode": "call",
        "program": "def f(x): pass",
        "fn_name": "f",
        "args": [1],
        "kwargs": {"y": 2},
    }


@pytest.mark.parametrize("name", ["not an identifier", "f()", "class", ""])
def test_requests_reject_a_name_that_is_not_an_identifier(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        assert_request("x = 1", "pass", name, NONCE)
    with pytest.raises(ValueError, match="identifier"):
        call_request("x = 1", name, [], {}, NONCE)
    with pytest.raises(ValueError, match="identifier"):
        call_request("x = 1", "f", [], {name: 1}, NONCE)


@pytest.mark.parametrize("nonce", ["", "short", "has space in it 0123456", "two\nlines0123456789"])
def test_requests_reject_a_weak_nonce(nonce: str) -> None:
    with pytest.raises(ValueError, match="nonce"):
        assert_request("x = 1", "pass", None, nonce)


def test_test_code_that_does_not_parse_is_the_items_fault() -> None:
    with pytest.raises(ValueError, match="test_code does not parse"):
        assert_request("x = 1", "assert (", None, NONCE)
    with pytest.raises(ValueError, match="prelude does not parse"):
        assert_request("x = 1", "assert True", None, NONCE, "def helper(:\n")


@pytest.mark.parametrize(
    ("test_code", "entry_point", "accepted"),
    [
        ("def check(candidate):\n    assert candidate(1) == 2\n", None, False),
        ("def check(candidate):\n    assert candidate(1) == 2\n", "f", True),
        ("def check(candidate):\n    assert candidate(1) == 2\n\ncheck(f)\n", None, True),
        ("def check(c):\n    assert c(1) == 2\nif True:\n    check(f)\n", None, True),
        ("assert f(1) == 2\n", None, True),
    ],
)
def test_a_check_function_nothing_calls_is_refused(
    test_code: str, entry_point: str | None, accepted: bool
) -> None:
    # Without an entry point nothing would call check: every program would pass.
    if accepted:
        assert_request("def f(x):\n    return 2", test_code, entry_point, NONCE)
    else:
        with pytest.raises(ValueError, match="no entry_point"):
            assert_request("def f(x):\n    return 2", test_code, entry_point, NONCE)


def test_a_compiler_warning_is_not_a_parse_error() -> None:
    # "is" with a literal warns; the tests still parse, whatever the warning filters say
    # (pytest's turn warnings into errors).
    assert python_syntax_error("assert 1 is not 1.0\n", "test_code") is None
    assert_request("x = 1", "assert x is not 1.0", None, NONCE, "y = 2 is 2\n")


def report(verdict: str, **extra: Any) -> str:
    return f"{NONCE} {json.dumps({'verdict': verdict, 'message': 'm', **extra})}"


@pytest.mark.parametrize(
    ("stdout", "verdict"),
    [
        (report("passed") + "\n", "passed"),
        ("noise\n" + report("passed"), "passed"),
        (report("wrong_answer") + "\n\n", "wrong_answer"),
        ("", None),
        (report("passed") + "\nafter\n", None),  # the report is the last line or nothing
        (report("passed").replace(NONCE, "f" * 32), None),
        (report("passed").replace(NONCE, NONCE[:-1]), None),
        (report("passed")[:-5], None),  # cut off (output limit)
        (report("applause"), None),
        (report("returned", value={"weird": 1}), None),
        (f"{NONCE} [1, 2]", None),
    ],
)
def test_read_report_believes_only_a_well_formed_last_line_with_the_nonce(
    stdout: str, verdict: str | None
) -> None:
    found = read_report(stdout, NONCE)
    assert (found.verdict if found else None) == verdict


def test_read_report_decodes_the_returned_value() -> None:
    found = read_report(report("returned", value={"t": [1, {"s": [2]}]}), NONCE)
    assert found is not None and found.value == (1, {2}) and found.message == "m"


def test_the_harness_source_is_a_standalone_python_program() -> None:
    source = harness_source()
    compile(source, "harness.py", "exec")
    assert "referee" not in "".join(
        line for line in source.splitlines() if line.startswith(("import", "from"))
    )
