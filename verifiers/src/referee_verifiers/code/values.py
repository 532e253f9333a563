"""Comparing a function's return value with the expected JSON value, strictly typed."""

from __future__ import annotations

import math
from typing import Any


def values_match(expected: Any, actual: Any, *, abs_tol: float = 0.0, rel_tol: float = 0.0) -> bool:
    """Whether ``actual`` (a decoded return value) equals ``expected`` (a JSON value).

    Strict where Python is lax: a bool is not an int (``True != 1``), an int is not a
    string, a dict matches only a dict with the same keys. Where JSON cannot say more, the
    natural Python types match: an array matches a list or a tuple, and a number written
    as a float matches an int or a float within ``abs_tol``/``rel_tol`` (exact when both
    are 0). ``actual`` must come from ``decode_value``: builtin types only, so no object's
    own ``__eq__`` is ever called.

    Examples:
        >>> values_match([1, "a"], (1, "a"))
        True
        >>> values_match(1, True)
        False
        >>> values_match(0.1, 0.1000001, rel_tol=1e-5)
        True
    """
    kind = type(expected)
    if expected is None:
        return actual is None
    if kind is bool or kind is int or kind is str:
        return type(actual) is kind and actual == expected
    if kind is float:
        if type(actual) is not float and type(actual) is not int:
            return False
        try:
            return actual == expected or math.isclose(
                actual, expected, rel_tol=rel_tol, abs_tol=abs_tol
            )
        except OverflowError:  # an int past any float (10**400): close to no float
            return False
    if kind is list:
        return (
            (type(actual) is list or type(actual) is tuple)
            and len(actual) == len(expected)
            and all(
                values_match(e, a, abs_tol=abs_tol, rel_tol=rel_tol)
                for e, a in zip(expected, actual, strict=True)
            )
        )
    if kind is dict:
        return (
            type(actual) is dict
            and actual.keys() == expected.keys()
            and all(
                values_match(v, actual[k], abs_tol=abs_tol, rel_tol=rel_tol)
                for k, v in expected.items()
            )
        )
    return False
