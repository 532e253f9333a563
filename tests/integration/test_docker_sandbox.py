"""What only the Docker backend has: its containers' lock-down, its cgroup, its engine errors.

Everything both backends share (languages, limits, hostile programs) is in
test_sandbox_contract.py and test_sandbox_hostile.py.
"""

from __future__ import annotations

import time
from typing import Any

import docker
import pytest
from referee_sandboxes import (
    DockerBackend,
    Limits,
    RunSpec,
    SandboxError,
    SandboxUnavailable,
)

from tests.integration.conftest import POOL_LIMITS, SANDBOX_IMAGE
from tests.support import free_port

pytestmark = pytest.mark.docker


def sandbox_containers() -> set[str]:
    """Ids of the containers Docker backends made that still exist."""
    client = docker.from_env()
    try:
        return {
            c.id for c in client.containers.list(all=True, filters={"label": "referee.sandbox"})
        }
    finally:
        client.close()


def wait_until_gone(ids: set[str], within_s: float = 15.0) -> set[str]:
    """Removal runs in the background; wait for it. Returns the ids still there."""
    deadline = time.monotonic() + within_s
    while (left := ids & sandbox_containers()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_containers_are_locked_down(docker_backend: DockerBackend) -> None:
    docker_backend.run(RunSpec(language="python", source="pass"))
    box: Any = docker_backend._idle[0]
    config = docker.from_env().api.inspect_container(box.container_id)
    host = config["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert sorted(host["CapAdd"]) == ["KILL", "SETGID", "SETUID"]  # the runner's, not the program's
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["PidsLimit"] > 0 and host["Memory"] > 0 and host["NanoCpus"] == 1_000_000_000
    assert host["Memory"] == host["MemorySwap"]  # no swap beyond the memory limit
    assert set(host["Tmpfs"]) == {"/work", "/tmp", "/dev/shm"}
    # Inode caps bound what the wipe between two executions can meet (hard links count).
    assert all("nr_inodes=" in options for options in host["Tmpfs"].values())
    assert config["Config"]["NetworkDisabled"] is True


def test_programs_run_under_the_default_seccomp_profile(docker_backend: DockerBackend) -> None:
    status = docker_backend.run(
        RunSpec(language="python", source="print(open('/proc/self/status').read())")
    ).stdout
    assert "Seccomp:\t2" in status  # filter mode


def test_a_memory_hog_spread_over_processes_meets_the_cgroup() -> None:
    # Each process stays under its own RLIMIT_AS; together they pass the container's limit.
    backend = DockerBackend(
        image=SANDBOX_IMAGE, size=1, limits=POOL_LIMITS, compile_limits=POOL_LIMITS
    )
    try:
        hog = backend.run(
            RunSpec(
                language="python",
                source=(
                    "import os, time\n"
                    "for _ in range(12):\n"
                    "    if os.fork() == 0:\n"
                    "        b = bytearray(100 << 20)\n"
                    "        time.sleep(2)\n"
                    "        os._exit(0)\n"
                    "codes = [os.wait()[1] for _ in range(12)]\n"
                    "raise SystemExit(1 if any(codes) else 0)\n"
                ),
                limits=Limits(wall_time_s=8.0, memory_mb=128, pids=32),
            )
        )
        assert hog.memory_exceeded and not hog.timed_out and hog.exit_code == 1
        # An OOM kill is an anomaly: that container went, and a fresh one answers.
        assert backend.recycled == {"the memory cgroup killed a process": 1}
        assert backend.run(RunSpec(language="python", source="print(7)")).stdout == "7\n"
    finally:
        backend.close()


def test_a_runner_that_never_says_ready_is_a_sandbox_error(hung_runner_image: str) -> None:
    before = sandbox_containers()
    backend = DockerBackend(image=hung_runner_image, size=1, start_timeout_s=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(SandboxError, match="did not start"):
            backend.run(RunSpec(language="python", source="print('never runs')"))
    finally:
        backend.close()
    assert time.monotonic() - started < 5.0
    assert not wait_until_gone(sandbox_containers() - before)


def test_no_container_outlives_the_pool() -> None:
    before = sandbox_containers()
    backend = DockerBackend(image=SANDBOX_IMAGE, size=2, limits=POOL_LIMITS)
    backend.warm()
    ours = sandbox_containers() - before
    assert len(ours) == 2
    backend.run(RunSpec(language="python", source="while True:\n    pass", limits=POOL_LIMITS))
    backend.close()
    assert not wait_until_gone(ours)


def test_a_missing_image_is_unavailable_naming_the_fix() -> None:
    backend = DockerBackend(image="referee-no-such-image:latest")
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        backend.check()
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        backend.run(RunSpec(language="python", source="print(1)"))
    backend.close()


def test_an_unreachable_engine_is_unavailable_naming_the_fix() -> None:
    nowhere = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    backend = DockerBackend(client_factory=lambda: docker.DockerClient(base_url=nowhere, timeout=2))
    with pytest.raises(SandboxUnavailable, match=r"Docker engine unreachable.*scripts/setup"):
        backend.check()
    with pytest.raises(SandboxUnavailable, match="scripts/setup"):
        backend.run(RunSpec(language="python", source="print(1)"))
    backend.close()
