"""The constraint protocol and the registry that maps IFEval instruction ids to constraints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True)
class Outcome:
    """One constraint judged: ``passed``, and ``observed`` says what was measured."""

    passed: bool
    observed: str


class Constraint(Protocol):
    """A parameterized instruction; its dataclass fields are IFEval's argument names."""

    def check(self, response: str) -> Outcome: ...


C = TypeVar("C", bound=type[Constraint])

# instruction id -> constraint class; filled by the family modules as they are imported.
REGISTRY: dict[str, type[Constraint]] = {}


def register(instruction_id: str) -> Callable[[C], C]:
    """Class decorator: serve ``instruction_id`` with the decorated constraint class."""

    def add(cls: C) -> C:
        if instruction_id in REGISTRY:
            raise ValueError(f"instruction id {instruction_id!r} registered twice")
        REGISTRY[instruction_id] = cls
        return cls

    return add
