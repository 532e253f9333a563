"""IFEval arguments: how a raw ``kwargs`` mapping becomes a typed constraint, or an error.

A constraint is a frozen dataclass whose fields are IFEval's argument names, each annotated
with a parser (``Annotated[int, Parse(count)]``). ``build`` reads those annotations, so the
argument names, their types and their checks are declared once, on the constraint itself.

Rows of IFEval's own dataset (and its Hugging Face copy) carry every argument name of every
instruction, set to null where unused; ``build`` therefore treats a ``None`` value as absent.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")


class ArgumentError(ValueError):
    """A caller mistake in one argument: ``field`` names it, the message says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Parse:
    """Annotation marker: ``parse(raw)`` returns the typed value or raises ``ValueError``."""

    parse: Callable[[Any], Any]


def _count(raw: Any) -> int:
    # JSON has one number type and pandas turns nullable int columns into floats, so 3.0 is 3.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"expected a non-negative integer, got {raw!r}")
    if isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
        raise ValueError(f"expected a non-negative integer, got {raw!r}")
    if raw < 0:
        raise ValueError(f"expected a non-negative integer, got {raw!r}")
    return int(raw)


def _positive(raw: Any) -> int:
    value = _count(raw)
    if value == 0:
        raise ValueError("expected a positive integer, got 0")
    return value


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"expected a non-empty string, got {raw!r}")
    return raw


def _texts(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple) or not raw:
        raise ValueError(f"expected a non-empty list of strings, got {raw!r}")
    return tuple(_text(item) for item in raw)


def _letter(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) != 1 or not raw.isalpha():
        raise ValueError(f"expected a single letter, got {raw!r}")
    return raw.lower()


Relation = Literal["less than", "at least"]
_RELATIONS: tuple[str, ...] = get_args(Relation)


def _relation(raw: Any) -> Relation:
    if raw not in _RELATIONS:
        raise ValueError(f"expected one of {list(_RELATIONS)}, got {raw!r}")
    return raw  # type: ignore[no-any-return]  # membership checked just above


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z]{2,4})?")


def _language(raw: Any) -> str:
    if not isinstance(raw, str) or not _LANGUAGE_CODE.fullmatch(raw.lower()):
        raise ValueError(f"expected an ISO 639-1 language code such as 'fr', got {raw!r}")
    return raw.lower()


Count = Annotated[int, Parse(_count)]  # an integer >= 0
Positive = Annotated[int, Parse(_positive)]  # an integer >= 1
Text = Annotated[str, Parse(_text)]  # a non-empty string
Texts = Annotated[tuple[str, ...], Parse(_texts)]  # a non-empty list of non-empty strings
Letter = Annotated[str, Parse(_letter)]  # one letter, kept lowercase
RelationArg = Annotated[Relation, Parse(_relation)]  # "less than" or "at least"
LanguageCode = Annotated[str, Parse(_language)]  # "fr", "pt", "zh-cn"; kept lowercase


def compare(value: int, relation: Relation, threshold: int) -> bool:
    """IFEval's two relations: ``less than`` is strict, ``at least`` is inclusive."""
    return value < threshold if relation == "less than" else value >= threshold


# Constraint class -> its argument parsers, read once from the annotations.
_PARSERS: dict[type[Any], dict[str, Callable[[Any], Any]]] = {}


def _parsers(cls: type[Any]) -> dict[str, Callable[[Any], Any]]:
    if cls in _PARSERS:
        return _PARSERS[cls]
    hints = get_type_hints(cls, include_extras=True)
    parsers: dict[str, Callable[[Any], Any]] = {}
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        markers = [m for m in get_args(hint) if isinstance(m, Parse)]
        if get_origin(hint) is not Annotated or not markers:
            raise TypeError(f"{cls.__name__}.{field.name} needs an Annotated[..., Parse] type")
        parsers[field.name] = markers[0].parse
    _PARSERS[cls] = parsers
    return parsers


def parameters(cls: type[Any]) -> tuple[str, ...]:
    """The argument names a constraint class takes, in declaration order."""
    return tuple(_parsers(cls))


def build(cls: type[T], kwargs: Mapping[str, Any]) -> T:
    """Parse ``kwargs`` into ``cls``; raise ``ArgumentError`` naming the first bad argument.

    Unknown names are an error (a typo must not silently fall back to a default), as is a
    missing one: IFEval invents random values for missing arguments, a reward must not.
    """
    parsers = _parsers(cls)
    given = {name: value for name, value in kwargs.items() if value is not None}
    for name in given:
        if name not in parsers:
            expected = ", ".join(parsers) or "no arguments"
            raise ArgumentError(name, f"unexpected argument (expected {expected})")
    values: dict[str, Any] = {}
    for name, parse in parsers.items():
        if name not in given:
            raise ArgumentError(name, "missing argument")
        try:
            values[name] = parse(given[name])
        except ValueError as exc:
            raise ArgumentError(name, str(exc)) from exc
    return cls(**values)
