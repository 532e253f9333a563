"""Tenants, in-flight limits, idempotency keys and metrics, on the embedded queue."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from referee_sandboxes import Execution, RunSpec
from referee_service import Settings, create_app
from referee_verifiers import IsolatedPool

from .conftest import ScriptedBackend, exited, make_judge, serve

KEYS = {
    "key-a": {"tenant": "team-a", "max_in_flight": 3},
    "key-a2": {"tenant": "team-a", "max_in_flight": 3},
    "key-b": {"tenant": "team-b"},
}
MATH = {"kind": "math", "completion": "\\boxed{4}", "gold": "4"}


def slow_echo(spec: RunSpec) -> Execution:
    time.sleep(0.5)  # the scripted sandbox runs in the judge's thread pool
    return exited(stdout=spec.stdin)


def code_item(stdin: str) -> dict[str, object]:
    return {
        "kind": "code",
        "completion": "print(input())",
        "tests": [{"stdin": stdin, "stdout": stdin}],
    }


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend(slow_echo)


@pytest.fixture
async def client(
    pool: IsolatedPool, backend: ScriptedBackend, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(KEYS))
    settings = Settings(api_keys_file=keys_file, max_in_flight=100)
    async for c in serve(create_app(settings, judge=make_judge(pool, backend))):
        yield c


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("headers", [{}, auth("nope"), {"Authorization": "Basic key-a"}])
async def test_a_missing_or_unknown_key_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/v1/score", json={"items": [MATH]}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in response.json()["detail"]


async def test_a_known_key_scores(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/score", json={"items": [MATH]}, headers=auth("key-b"))
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "correct"


async def test_a_tenant_over_its_in_flight_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    busy = asyncio.create_task(
        client.post(
            "/v1/score", json={"items": [code_item("1"), code_item("2")]}, headers=auth("key-a")
        )
    )
    await asyncio.sleep(0.2)
    # Same tenant through its other key: 2 in flight + 2 > 3.
    refused = await client.post("/v1/score", json={"items": [MATH, MATH]}, headers=auth("key-a2"))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "team-a" in refused.json()["detail"]
    # Another tenant is not held back by team-a's load.
    other = await client.post("/v1/score", json={"items": [MATH]}, headers=auth("key-b"))
    assert other.status_code == 200
    assert (await busy).status_code == 200
    after = await client.post("/v1/score", json={"items": [MATH, MATH]}, headers=auth("key-a"))
    assert after.status_code == 200


async def test_a_batch_larger_than_the_tenant_limit_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/score", json={"items": [MATH] * 4}, headers=auth("key-a"))
    assert response.status_code == 413
    assert "max_in_flight" in response.json()["detail"]


async def test_a_retry_with_the_same_idempotency_key_is_answered_without_judging_again(
    client: httpx.AsyncClient, backend: ScriptedBackend
) -> None:
    body = {"items": [code_item("7"), MATH]}
    headers = {**auth("key-b"), "Idempotency-Key": "step-42-chunk-0"}
    first = await client.post("/v1/score", json=body, headers=headers)
    second = await client.post("/v1/score", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len(backend.specs) == 1  # the program ran once
    # The same key from another tenant is that tenant's own key.
    other = await client.post("/v1/score", json=body, headers={**headers, **auth("key-a")})
    assert "idempotent-replayed" not in other.headers and len(backend.specs) == 2


async def test_a_concurrent_retry_waits_for_the_original_instead_of_judging_twice(
    client: httpx.AsyncClient, backend: ScriptedBackend
) -> None:
    body = {"items": [code_item("9")]}
    headers = {**auth("key-b"), "Idempotency-Key": "lost-response"}
    first, retry = await asyncio.gather(
        client.post("/v1/score", json=body, headers=headers),
        client.post("/v1/score", json=body, headers=headers),
    )
    assert first.json() == retry.json()
    assert first.json()["results"][0]["status"] == "correct"
    assert len(backend.specs) == 1


async def test_an_idempotency_key_reused_for_another_body_is_422(
    client: httpx.AsyncClient,
) -> None:
    headers = {**auth("key-b"), "Idempotency-Key": "k"}
    assert (await client.post("/v1/score", json={"items": [MATH]}, headers=headers)).is_success
    clash = await client.post("/v1/score", json={"items": [MATH, MATH]}, headers=headers)
    assert clash.status_code == 422
    assert "Idempotency-Key" in clash.json()["detail"]


async def test_metrics_expose_latency_items_queue_and_workers(client: httpx.AsyncClient) -> None:
    await client.post("/v1/score", json={"items": [MATH, code_item("3")]}, headers=auth("key-b"))
    await client.post("/v1/score", json={"items": [MATH]})  # a 401
    text = (await client.get("/metrics")).text
    assert 'referee_items_total{kind="math",status="correct"} 1.0' in text
    assert 'referee_items_total{kind="code",status="correct"} 1.0' in text
    assert 'referee_tenant_items_total{tenant="team-b"} 2.0' in text
    assert 'referee_rejections_total{reason="unauthorized"} 1.0' in text
    assert 'referee_request_seconds_count{code="200",route="/v1/score"} 1.0' in text
    assert 'referee_verifier_seconds_count{kind="code"} 1.0' in text
    assert 'referee_queue_waiting_jobs{tenant="team-b"} 0.0' in text
    assert "referee_workers 1.0" in text
    assert "referee_worker_idle_slots{" in text


async def test_an_open_service_serves_without_keys(pool: IsolatedPool) -> None:
    app = create_app(Settings(), judge=make_judge(pool, None))
    async for c in serve(app):
        response = await c.post("/v1/score", json={"items": [MATH]})
    assert response.status_code == 200


def test_a_broken_keys_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"k": {"tenant": "has space"}}))
    with pytest.raises(ValueError, match=r"keys\.json"):
        create_app(Settings(api_keys_file=keys_file))
