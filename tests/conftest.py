"""Suite-wide fixtures: a clean environment and a real Redis on a free loopback port."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import RedisServer, free_port


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's REFEREE_* or REDIS_URL settings."""
    for key in list(os.environ):
        if key.startswith("REFEREE_") or key == "REDIS_URL":
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A real, empty Redis for this test."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"
