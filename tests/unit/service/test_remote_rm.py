"""OpenRLHF's and slime's remote reward protocols, as those trainers send and read them.

The shapes come from the trainers' own code: OpenRLHF posts ``{"query", "prompts",
"labels"}`` (``remote_rm_utils.remote_rm_fn_ray``; one sample per call in current versions,
batches in older ones) and reads ``rewards``, ``scores`` and ``extra_logs``; slime posts
``{"prompt", "response", "label"}`` and reads the key named by ``--reward-key``. Real math
grading, a scripted sandbox that adds two numbers (no Docker).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from referee_sandboxes import RunSpec
from referee_service import Settings, create_app
from referee_service.api.routes.remote_rm import response_text
from referee_verifiers import IsolatedPool

from .conftest import ScriptedBackend, exited, make_judge

PROMPT = "<|user|>What is 1/2 as a decimal?<|assistant|>"
ADD_PROGRAM = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
ADD_TESTS = {"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]}


def adds(spec: RunSpec) -> object:
    a, b = map(int, spec.stdin.split())
    return exited(stdout=f"{a + b}\n")


@pytest.fixture
async def client(pool: IsolatedPool) -> AsyncIterator[httpx.AsyncClient]:
    judge = make_judge(pool, ScriptedBackend(adds))  # type: ignore[arg-type]
    app = create_app(Settings(max_items=8), judge=judge)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://referee") as c:
            yield c


async def test_openrlhf_single_sample_call_strips_the_prompt_and_answers_lists(
    client: httpx.AsyncClient,
) -> None:
    # The current OpenRLHF executor: one decoded sequence, special tokens included.
    body = {
        "query": [PROMPT + "Half is \\boxed{0.5}<|endoftext|>"],
        "prompts": [PROMPT],
        "labels": ["\\frac{1}{2}"],
    }
    response = await client.post("/openrlhf/reward", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "rewards": [1.0],
        "scores": [1.0],
        "extra_logs": {"correct": [1.0], "no_answer": [0.0], "not_judged": [0.0]},
    }


async def test_openrlhf_batch_mixes_math_and_json_code_labels_in_order(
    client: httpx.AsyncClient,
) -> None:
    prompts = ["Q1 ", "Q2 ", "Q3 ", "Q4 ", "Q5 "]
    responses = [
        "the answer is 7",
        "the answer is 8",
        ADD_PROGRAM,
        "I do not know",
        "print(1)",
    ]
    labels = [
        "7",
        "7",
        json.dumps(ADD_TESTS),
        "7",
        json.dumps({"inputs": ["1"], "outputs": []}),  # broken: judged invalid, not a failure
    ]
    body = {
        "query": [p + r for p, r in zip(prompts, responses, strict=True)],
        "prompts": prompts,
        "labels": labels,
        "metas": [{}] * 5,  # newer OpenRLHF may add keys; they are ignored
    }
    response = await client.post("/openrlhf/reward", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["rewards"] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert answer["scores"] == answer["rewards"]
    assert answer["extra_logs"] == {
        "correct": [1.0, 0.0, 1.0, 0.0, 0.0],
        "no_answer": [0.0, 0.0, 0.0, 1.0, 0.0],
        "not_judged": [0.0, 0.0, 0.0, 0.0, 1.0],
    }


async def test_openrlhf_bare_strings_are_one_sample(client: httpx.AsyncClient) -> None:
    body = {"query": "Q: 2+2? A: \\boxed{4}", "prompts": "Q: 2+2? A: ", "labels": "4"}
    response = await client.post("/openrlhf/reward", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["rewards"] == [1.0]


async def test_openrlhf_misaligned_or_oversized_requests_are_refused(
    client: httpx.AsyncClient,
) -> None:
    misaligned = {"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]}
    response = await client.post("/openrlhf/reward", json=misaligned)
    assert response.status_code == 422
    assert "prompts" in response.text
    oversized = {"query": ["x"] * 9, "labels": ["1"] * 9}
    response = await client.post("/openrlhf/reward", json=oversized)
    assert response.status_code == 413
    assert "REFEREE_MAX_ITEMS" in response.text


async def test_slime_sample_is_answered_with_a_reward_key(client: httpx.AsyncClient) -> None:
    body = {"prompt": "Add the numbers.", "response": ADD_PROGRAM, "label": ADD_TESTS}
    response = await client.post("/slime/reward", json=body)
    assert response.status_code == 200, response.text
    # slime: `--reward-key reward` reads this dict's "reward".
    assert response.json() == {"reward": 1.0, "status": "correct", "error": ""}


async def test_slime_sample_without_a_label_is_invalid_input_not_an_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/slime/reward", json={"prompt": "p", "response": "r"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["reward"], answer["status"]) == (0.0, "invalid_input")
    assert "no label" in answer["error"]


def test_a_query_that_does_not_start_with_its_prompt_is_judged_whole() -> None:
    assert response_text("PROMPT answer", "PROMPT ") == "answer"
    assert response_text("re-templated answer", "PROMPT ") == "re-templated answer"
    assert response_text("answer", None) == "answer"


UNREADABLE_LABELS = {
    "inputs-not-lists": {"inputs": 5, "outputs": 5},
    "deep-json-string": "{" + '"a":{' * 3000 + "}" * 3001,
    "deep-json-tests": {"tests": "[" * 3000 + "]" * 3000},
    "lone-surrogate": "\ud800",
    "unknown-kind": {"kind": "nope"},
    "gold-too-long": "1" * 300_000,
    "composite-unknown-inner-kind": {
        "kind": "composite",
        "components": [{"weight": 1, "item": {"kind": "nope"}}],
    },
}
REASONS = {
    "inputs-not-lists": "`inputs` and `outputs` lists",
    "deep-json-string": "nested too deeply",
    "deep-json-tests": "nested too deeply",
    "lone-surrogate": "math.gold",
    "unknown-kind": "kind: no verifier for kind 'nope'",
    "gold-too-long": "gold: 300000 over the limit of 200000 (REFEREE_MAX_COMPLETION_CHARS)",
    "composite-unknown-inner-kind": "components[0].item.kind: no verifier for kind 'nope'",
}


@pytest.mark.parametrize("name", list(UNREADABLE_LABELS))
async def test_slime_unreadable_label_is_that_samples_invalid_input(
    client: httpx.AsyncClient, name: str
) -> None:
    body = json.dumps(
        {"prompt": "p", "response": "\\boxed{2}", "label": UNREADABLE_LABELS[name]}
    ).encode()
    response = await client.post(
        "/slime/reward", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["reward"], answer["status"]) == (0.0, "invalid_input")
    assert REASONS[name] in answer["error"]


async def test_openrlhf_unreadable_labels_fail_only_their_own_samples(
    client: httpx.AsyncClient,
) -> None:
    names = list(UNREADABLE_LABELS)
    labels = [*UNREADABLE_LABELS.values(), "2"]  # REFEREE_MAX_ITEMS is 8 here
    body = json.dumps({"query": ["\\boxed{2}"] * len(labels), "labels": labels}).encode()
    response = await client.post(
        "/openrlhf/reward", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["rewards"] == [*[0.0] * len(names), 1.0]
    assert answer["extra_logs"]["not_judged"] == [*[1.0] * len(names), 0.0]
