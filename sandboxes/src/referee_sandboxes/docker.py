"""Docker backend: each execution in a fresh, locked-down container of the sandbox image.

The container has no network, a read-only root, a size-capped tmpfs work dir, a non-root
user, no capabilities, no-new-privileges, and pids/memory/CPU limits. Inside, the trusted
runner (``sandboxes/images/python/runner.py``) runs the program as a child, kills its
process group at the wall limit and reports one JSON envelope. The host enforces the wall
limit too: a container that outlives it (plus a margin) is killed.

Transport: the request (source, stdin, limits) goes in on the container's stdin through an
attach socket, so no host file is ever mounted; the envelope comes back as the last line of
the container's stdout. The program's own output only reaches the envelope, base64-encoded.

A container per execution costs about 0.17 s here; the warm pool that removes that cost
is a separate piece of work. Docker's exception types never leave this module.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import docker
import docker.errors
import docker.types
import requests.exceptions

from referee_sandboxes.base import (
    Execution,
    KeepGoing,
    RunSpec,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
    run_each,
)

# Host-side slack over the wall limit: container start and runner start-up under load.
HOST_MARGIN_S = 10.0
# The work dir's tmpfs: programs may write scratch files, never more than this.
WORK_TMPFS = "size=64m,uid=10001,gid=10001,mode=0700"
TMP_TMPFS = "size=16m,mode=1777"
SANDBOX_USER = "10001:10001"
SIGKILL = 9
# What a killed-by-SIGKILL exit looks like from outside: 128 + 9.
EXIT_SIGKILL = 128 + SIGKILL
# Every container this backend makes carries this label, so leftovers can be found.
LABEL = "referee.sandbox"


def _default_client() -> docker.DockerClient:
    return docker.from_env(timeout=60)


class DockerBackend:
    """Runs programs in containers of ``image`` through the local Docker engine.

    Thread-safe: ``run`` may be called from several threads at once.

    Args:
        image: the sandbox image (built by ``scripts/setup``).
        client_factory: makes the Docker client; default ``docker.from_env``.
        host_margin_s: how long past the wall limit the host waits before it kills the
            container itself (the runner normally ends it at the wall limit).
    """

    name = "docker"

    def __init__(
        self,
        image: str = "referee-sandbox-python:latest",
        *,
        client_factory: Callable[[], docker.DockerClient] | None = None,
        host_margin_s: float = HOST_MARGIN_S,
    ) -> None:
        self.image = image
        self.host_margin_s = host_margin_s
        self._client_factory = client_factory or _default_client
        self._client: docker.DockerClient | None = None
        self._lock = threading.Lock()

    def _docker(self) -> docker.DockerClient:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._client_factory()
                except docker.errors.DockerException as exc:
                    raise SandboxUnavailable(_engine_down(exc)) from exc
            return self._client

    def check(self) -> None:
        client = self._docker()
        try:
            client.ping()
            client.images.get(self.image)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(_image_missing(self.image)) from exc
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise SandboxUnavailable(_engine_down(exc)) from exc

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        return run_each(self, spec, stdins, keep_going)

    def run(self, spec: RunSpec) -> Execution:
        if spec.language != "python":
            raise SandboxError(f"the docker backend has no image for {spec.language!r}")
        api: docker.APIClient = self._docker().api
        limits = spec.limits
        payload = json.dumps(
            {
                "source": spec.source,
                "stdin": spec.stdin,
                "wall_time_s": limits.wall_time_s,
                "output_bytes": limits.output_bytes,
            }
        ).encode("utf-8")
        container_id: str | None = None
        started = time.monotonic()
        try:
            container_id = self._create(api, spec)
            _start_and_send(api, container_id, payload)
            return self._collect(api, container_id, spec, started)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(_image_missing(self.image)) from exc
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            if _is_unreachable(exc):
                raise SandboxUnavailable(_engine_down(exc)) from exc
            raise SandboxError(f"docker failed: {exc}") from exc
        except (OSError, requests.exceptions.RequestException) as exc:
            raise SandboxError(f"talking to the container failed: {exc}") from exc
        finally:
            if container_id is not None:
                _remove(api, container_id)

    def _create(self, api: docker.APIClient, spec: RunSpec) -> str:
        limits = spec.limits
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={"/work": WORK_TMPFS, "/tmp": TMP_TMPFS},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=limits.pids,
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            nano_cpus=int(limits.cpus * 1e9),
            ulimits=[docker.types.Ulimit(name="core", soft=0, hard=0)],
            log_config=docker.types.LogConfig(type="json-file"),
        )
        # detach=False with stdin_open sets StdinOnce: the runner gets EOF once the request
        # is written (the high-level API cannot set it).
        created: dict[str, Any] = api.create_container(
            self.image,
            user=SANDBOX_USER,
            stdin_open=True,
            detach=False,
            network_disabled=True,
            host_config=host_config,
            labels={LABEL: "1"},
        )
        return str(created["Id"])

    def _collect(
        self, api: docker.APIClient, container_id: str, spec: RunSpec, started: float
    ) -> Execution:
        host_timed_out = False
        try:
            api.wait(container_id, timeout=spec.limits.wall_time_s + self.host_margin_s)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            # Over a unix socket a read timeout surfaces as a ConnectionError. If the
            # engine is really gone, the kill below raises and run() reports it.
            host_timed_out = True
            api.kill(container_id)
            api.wait(container_id, timeout=30)
        state: dict[str, Any] = api.inspect_container(container_id)["State"]
        raw: bytes = api.logs(container_id, stdout=True, stderr=False)
        envelope = None if host_timed_out else _parse_envelope(raw)
        duration = time.monotonic() - started
        if envelope is None:
            # The runner itself died: killed at the host limit, by the OOM killer, or it
            # crashed. Never a pass.
            return Execution(
                exit_code=None,
                stdout="",
                stderr=_runner_lost(api.logs(container_id, stdout=False, stderr=True)),
                duration_s=duration,
                signal=SIGKILL if state.get("ExitCode") == EXIT_SIGKILL else None,
                timed_out=host_timed_out,
                memory_exceeded=bool(state.get("OOMKilled")),
            )
        return Execution(
            exit_code=envelope["exit_code"],
            stdout=_decode(envelope["stdout_b64"]),
            stderr=_decode(envelope.get("stderr_b64", "")),
            duration_s=float(envelope["duration_s"]),
            signal=envelope["signal"],
            timed_out=bool(envelope["timed_out"]),
            memory_exceeded=_memory_exceeded(envelope, state),
            output_exceeded=bool(envelope["output_exceeded"]),
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _memory_exceeded(envelope: dict[str, Any], state: dict[str, Any]) -> bool:
    """The cgroup's OOM killer ended something during the run.

    The runner counts the cgroup's OOM kills; the engine's ``OOMKilled`` agrees. Only where
    the counter is unreadable does a SIGKILL the runner did not send stand in for it.
    """
    if state.get("OOMKilled"):
        return True
    oom_kills = envelope.get("oom_kills")
    if isinstance(oom_kills, int):
        return oom_kills > 0
    return envelope["signal"] == SIGKILL and not envelope.get("killed_by_runner", False)


def _start_and_send(api: docker.APIClient, container_id: str, payload: bytes) -> None:
    """Start the container and write the runner's request to its stdin, then close it."""
    sock = api.attach_socket(container_id, params={"stdin": 1, "stream": 1})
    raw: socket.socket = getattr(sock, "_sock", sock)
    try:
        api.start(container_id)
        raw.sendall(payload)
        raw.shutdown(socket.SHUT_WR)
    finally:
        sock.close()
        raw.close()  # closing the SocketIO wrapper alone leaves the socket open


def _parse_envelope(raw: bytes) -> dict[str, Any] | None:
    lines = raw.strip().splitlines()
    if not lines:
        return None
    try:
        envelope: Any = json.loads(lines[-1])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    required = {"exit_code", "signal", "timed_out", "output_exceeded", "stdout_b64", "duration_s"}
    if not isinstance(envelope, dict) or not required <= envelope.keys():
        return None
    return envelope


def _decode(b64: str) -> str:
    try:
        return base64.b64decode(b64, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError, TypeError):
        return ""


def _runner_lost(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace")
    return "sandbox runner ended without a report" + (f": {text[-500:]}" if text else "")


def _remove(api: docker.APIClient, container_id: str) -> None:
    # Already gone is fine; a leftover carries the referee.sandbox label for cleanup.
    with contextlib.suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        api.remove_container(container_id, force=True)


def _is_unreachable(exc: Exception) -> bool:
    text = str(exc)
    return isinstance(exc, requests.exceptions.ConnectionError) or any(
        marker in text
        for marker in ("Connection refused", "No such file or directory", "Connection aborted")
    )


def _image_missing(image: str) -> str:
    return f"sandbox image {image} is missing: run scripts/setup to build it"


def _engine_down(exc: Exception) -> str:
    return (
        f"Docker engine unreachable (`docker info` failed: {type(exc).__name__}): "
        "run scripts/setup or start dockerd"
    )
