"""Grade one completion against a list of IFEval instructions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referee_verifiers.formatting import after_thinking
from referee_verifiers.ifeval import (  # noqa: F401  # imported to register their constraints
    change_case,
    combination,
    detectable_content,
    detectable_format,
    keywords,
    language,
    length,
    punctuation,
    startend,
)
from referee_verifiers.ifeval._args import ArgumentError, build, parameters
from referee_verifiers.ifeval._base import REGISTRY, Constraint
from referee_verifiers.verdict import Verdict

# Every instruction id this module judges, sorted.
INSTRUCTION_IDS: tuple[str, ...] = tuple(sorted(REGISTRY))


def _constraint(
    index: int, instruction_id: Any, kwargs: Any, prompt: str | None
) -> Constraint | str:
    """The parsed constraint, or an error message naming the offending field."""
    if not isinstance(instruction_id, str) or instruction_id not in REGISTRY:
        return f"instruction_id_list[{index}]: unknown instruction id {instruction_id!r}"
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        return f"kwargs[{index}]: expected an object, got {type(kwargs).__name__}"
    cls = REGISTRY[instruction_id]
    if "prompt_to_repeat" in parameters(cls) and kwargs.get("prompt_to_repeat") is None:
        kwargs = {**kwargs, "prompt_to_repeat": prompt}
    try:
        return build(cls, kwargs)
    except ArgumentError as exc:
        return f"kwargs[{index}].{exc.field} ({instruction_id}): {exc.message}"


def grade_ifeval(
    completion: str,
    instruction_ids: Sequence[str],
    kwargs: Sequence[Mapping[str, Any] | None] | None,
    *,
    prompt: str | None = None,
    all_or_nothing: bool = False,
) -> Verdict:
    """Check ``completion`` against each instruction; ``kwargs[i]`` parameterizes the i-th.

    Ids and argument names are IFEval's (``INSTRUCTION_IDS`` lists the ids); a ``None``
    argument value counts as absent, so IFEval's own rows work unchanged. ``prompt`` stands
    in for ``combination:repeat_prompt``'s ``prompt_to_repeat`` when that is absent. Only
    the response proper is judged: the text after the last ``</think>``, if there is one.
    An empty response (nothing after the reasoning, or cut off inside ``<think>``) is
    ``no_answer`` with reward 0.0, never a vacuous pass of "no commas".

    Reward: the fraction of instructions satisfied, or with ``all_or_nothing`` 1.0 only when
    all are. Status ``correct`` when all are, else ``incorrect``. ``details["instructions"]``
    lists each one's ``id``, ``passed`` and ``observed`` (what was measured).

    An unknown id or a missing, unexpected or ill-typed argument makes the whole item
    ``invalid_input`` with reward 0.0: ``details["error"]`` names every offending index and
    field, ``details["errors"]`` lists them one by one. Nothing is judged then, since a
    reward computed over the instructions that happened to parse would be misleading.
    """
    if not instruction_ids:
        return _invalid(["instruction_id_list: needs at least one instruction id"])
    if kwargs is not None and len(kwargs) != len(instruction_ids):
        return _invalid(
            [f"kwargs: {len(kwargs)} entries for {len(instruction_ids)} instruction ids"]
        )
    rows = kwargs if kwargs is not None else [None] * len(instruction_ids)
    parsed = [
        _constraint(index, instruction_id, row, prompt)
        for index, (instruction_id, row) in enumerate(zip(instruction_ids, rows, strict=True))
    ]
    errors = [item for item in parsed if isinstance(item, str)]
    if errors:
        return _invalid(errors)

    response = after_thinking(completion)
    if not response.strip():
        # Saying nothing breaks no "no commas" rule, but it follows no instruction either:
        # an empty or cut-off response must never be the easy reward.
        return Verdict("no_answer", 0.0, {"error": "no response after the reasoning"})
    results: list[dict[str, Any]] = []
    for instruction_id, constraint in zip(instruction_ids, parsed, strict=True):
        assert not isinstance(constraint, str)  # errors returned above
        outcome = constraint.check(response)
        results.append(
            {"id": instruction_id, "passed": outcome.passed, "observed": outcome.observed}
        )
    satisfied = sum(1 for result in results if result["passed"])
    every = satisfied == len(results)
    reward = (1.0 if every else 0.0) if all_or_nothing else satisfied / len(results)
    details = {
        "instructions": results,
        "satisfied": satisfied,
        "total": len(results),
        "reward_mode": "all_or_nothing" if all_or_nothing else "fraction",
    }
    return Verdict("correct" if every else "incorrect", reward, details)


def _invalid(errors: list[str]) -> Verdict:
    return Verdict("invalid_input", 0.0, {"error": "; ".join(errors), "errors": errors})
