"""Fixtures on the real sandboxes. A missing engine, image or file tree fails loudly; only a
kernel that refuses bubblewrap its namespaces skips the bubblewrap half, saying so."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import docker
import docker.errors
import pytest
from referee_sandboxes import BwrapBackend, DockerBackend, Limits, PooledBackend, SandboxUnavailable

SANDBOX_IMAGE = "referee-sandbox:latest"
# The sandbox image with a runner that never answers: proves the host-side start limit.
HUNG_IMAGE = "referee-sandbox-hung:test"
# The limits the pools are sized for in these tests.
POOL_LIMITS = Limits(wall_time_s=2.0, memory_mb=128, pids=32, output_bytes=10_000)
BACKENDS = ("docker", "bwrap")


def make_backend(kind: str, **options: object) -> PooledBackend:
    """A started pool of ``kind``; fails (or, for a refused namespace, skips) when it cannot."""
    backend: PooledBackend
    if kind == "docker":
        backend = DockerBackend(image=SANDBOX_IMAGE, limits=POOL_LIMITS, **options)  # type: ignore[arg-type]
    else:
        backend = BwrapBackend(limits=POOL_LIMITS, **options)  # type: ignore[arg-type]
    try:
        backend.check()
    except SandboxUnavailable as exc:
        backend.close()
        if kind == "bwrap" and "could not start a sandbox" in str(exc):
            pytest.skip(f"bubblewrap cannot create its namespaces here: {exc}")
        pytest.fail(f"{exc} (scripts/setup starts dockerd, builds the image, exports its tree)")
    return backend


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[PooledBackend]:
    """A shared pool of each kind (two sandboxes), for behaviour every backend must have."""
    pool = make_backend(request.param, size=2)
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def lone_backend(request: pytest.FixtureRequest) -> Iterator[PooledBackend]:
    """A fresh pool of one sandbox: what ran before is the only thing the next run meets."""
    pool = make_backend(request.param, size=1, host_margin_s=1.0)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def docker_backend() -> Iterator[DockerBackend]:
    pool = make_backend("docker", size=2)
    assert isinstance(pool, DockerBackend)
    yield pool
    pool.close()


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
