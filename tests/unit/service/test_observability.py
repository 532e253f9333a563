"""Structured logs carry the request id; a dead Redis is a fast, clear 503."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
from referee_service import Settings, create_app
from referee_service.logs import configure_logging
from referee_verifiers import IsolatedPool

from .conftest import make_judge, serve

MATH = {"kind": "math", "completion": "\\boxed{4}", "gold": "4"}


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def test_log_lines_are_json_with_the_request_id_of_the_response(
    pool: IsolatedPool, json_logs: io.StringIO
) -> None:
    async for client in serve(create_app(Settings(), judge=make_judge(pool, None))):
        response = await client.post("/v1/score", json={"items": [MATH]})
    request_id = response.headers["x-request-id"]
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert mine, lines
    assert {"time", "level", "logger", "message"} <= mine[0].keys()
    assert any("1 items" in line["message"] for line in mine)


async def test_a_dead_redis_answers_503_quickly_naming_the_queue(
    pool: IsolatedPool, dead_redis_url: str
) -> None:
    settings = Settings(redis_url=dead_redis_url)
    async for client in serve(create_app(settings, judge=make_judge(pool, None))):
        started = time.monotonic()
        response = await client.post("/v1/score", json={"items": [MATH]})
        elapsed = time.monotonic() - started
        ready = await client.get("/readyz")
    assert response.status_code == 503
    assert "queue unavailable" in response.json()["detail"]
    assert elapsed < 6  # one connection attempt, not a hang
    assert ready.status_code == 503
