"""The kinds beyond math and code through the HTTP API: ifeval, format, match, composite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from referee_service import Settings, create_app
from referee_verifiers import IsolatedPool

from .conftest import make_judge, serve


@pytest.fixture
async def client(pool: IsolatedPool) -> AsyncIterator[httpx.AsyncClient]:
    async for c in serve(create_app(Settings(), judge=make_judge(pool, None))):
        yield c


async def _score(client: httpx.AsyncClient, *items: dict[str, object]) -> list[dict[str, object]]:
    response = await client.post("/v1/score", json={"items": list(items)})
    assert response.status_code == 200, response.text
    results: list[dict[str, object]] = response.json()["results"]
    return results


async def test_ifeval_rows_score_the_fraction_of_constraints_met(
    client: httpx.AsyncClient,
) -> None:
    row = {
        "kind": "ifeval",
        "completion": "short and sweet, with a comma",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{}, {"relation": "less than", "num_words": 50}],
    }
    (result,) = await _score(client, row)
    assert (result["status"], result["reward"]) == ("incorrect", 0.5)


async def test_format_match_and_their_failures(client: httpx.AsyncClient) -> None:
    results = await _score(
        client,
        {
            "kind": "format",
            "completion": "<think>2+2</think>\n<answer>4</answer>",
            "rule": {"type": "think_answer"},
        },
        {"kind": "format", "completion": "no tags at all", "rule": {"type": "think_answer"}},
        {"kind": "match", "completion": "The answer is (B).", "gold": "B", "mode": "choice"},
        {"kind": "match", "completion": "A or B", "gold": "B", "mode": "choice"},
        {"kind": "format", "completion": "x", "rule": {"type": "regex", "pattern": "(unclosed"}},
    )
    assert [r["status"] for r in results] == [
        "correct",
        "incorrect",
        "correct",
        "incorrect",
        "invalid_input",
    ]


async def test_a_composite_reports_each_component_and_the_weighted_total(
    client: httpx.AsyncClient,
) -> None:
    composite = {
        "id": "r1",
        "kind": "composite",
        "completion": "<think>half of one</think>\n<answer>\\boxed{0.5}</answer>",
        "components": [
            {"weight": 0.9, "item": {"kind": "math", "gold": "\\frac{1}{2}"}},
            {"weight": 0.1, "item": {"kind": "format", "rule": {"type": "think_answer"}}},
        ],
    }
    wrong_format = {**composite, "id": "r2", "completion": "\\boxed{1/2}"}
    right, partial = await _score(client, composite, wrong_format)
    assert (right["status"], right["reward"]) == ("correct", 1.0)
    assert (partial["status"], partial["reward"]) == ("incorrect", pytest.approx(0.9))
    parts = partial["details"]["components"]  # type: ignore[index]
    assert [(p["kind"], p["status"], p["weight"]) for p in parts] == [
        ("math", "correct", 0.9),
        ("format", "incorrect", 0.1),
    ]


async def test_an_unknown_kind_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/score", json={"items": [{"kind": "poetry", "completion": "roses"}]}
    )
    assert response.status_code == 422
    assert "items[0].kind" in response.json()["detail"]
    assert "poetry" in response.json()["detail"]
