"""Fixtures on the real Docker engine. A missing engine or image fails loudly, never skips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from referee_sandboxes import DockerBackend, SandboxUnavailable


@pytest.fixture(scope="session")
def docker_backend() -> Iterator[DockerBackend]:
    backend = DockerBackend()
    try:
        backend.check()
    except SandboxUnavailable as exc:
        pytest.fail(f"{exc} (scripts/setup starts dockerd and builds the sandbox image)")
    yield backend
    backend.close()
