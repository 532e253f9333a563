"""Fixtures on the real Docker engine. A missing engine or image fails loudly, never skips."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import docker
import docker.errors
import pytest
from referee_sandboxes import DockerBackend, SandboxUnavailable

SANDBOX_IMAGE = "referee-sandbox-python:latest"
# The sandbox image with a runner that never answers: proves the host-side wall limit.
HUNG_IMAGE = "referee-sandbox-hung:test"


@pytest.fixture(scope="session")
def docker_backend() -> Iterator[DockerBackend]:
    backend = DockerBackend(image=SANDBOX_IMAGE)
    try:
        backend.check()
    except SandboxUnavailable as exc:
        pytest.fail(f"{exc} (scripts/setup starts dockerd and builds the sandbox image)")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def hung_runner_image(docker_backend: DockerBackend) -> Iterator[str]:
    """An image whose entrypoint ignores the request and sleeps (built in about a second)."""
    client = docker.from_env()
    dockerfile = f'FROM {SANDBOX_IMAGE}\nENTRYPOINT ["sleep", "3600"]\n'.encode()
    client.images.build(fileobj=io.BytesIO(dockerfile), tag=HUNG_IMAGE, rm=True)
    yield HUNG_IMAGE
    with contextlib.suppress(docker.errors.DockerException):
        client.images.remove(HUNG_IMAGE, force=True)
    client.close()
