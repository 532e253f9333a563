"""Docker backend: each execution in a fresh, locked-down container of the sandbox image.

The container has no network, a read-only root, a size-capped tmpfs work dir, a non-root
user, no capabilities, no-new-privileges, and pids/memory/CPU limits. Inside, the trusted
runner (``sandboxes/images/python/runner.py``) runs the program as a child, kills its
process group at the wall limit and reports one JSON envelope. The host enforces the wall
limit too: a container that outlives it (plus a margin) is killed.

A container per execution costs about half a second here; the warm pool that removes that
cost is a separate piece of work. Docker's exception types never leave this module.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from referee_sandboxes.base import Execution, RunSpec, SandboxError, SandboxUnavailable

# Host-side slack over the wall limit: container start and runner start-up take this long.
HOST_MARGIN_S = 10.0
# The work dir's tmpfs: programs may write scratch files, never more than this.
WORK_TMPFS = "size=64m,uid=10001,gid=10001,mode=0700"
SANDBOX_USER = "10001:10001"
# What a killed-by-signal exit looks like from outside: 128 + SIGKILL.
EXIT_SIGKILL = 137


def _default_client() -> docker.DockerClient:
    return docker.from_env(timeout=60)


class DockerBackend:
    """Runs programs in containers of ``image`` through the local Docker engine.

    Args:
        image: the sandbox image (built by ``scripts/setup``).
        client_factory: makes the Docker client; default ``docker.from_env``.
    """

    name = "docker"

    def __init__(
        self,
        image: str = "referee-sandbox-python:latest",
        *,
        client_factory: Callable[[], docker.DockerClient] = _default_client,
    ) -> None:
        self.image = image
        self._client_factory = client_factory
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
            raise SandboxUnavailable(
                f"sandbox image {self.image} is missing: run scripts/setup to build it"
            ) from exc
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise SandboxUnavailable(_engine_down(exc)) from exc

    def run(self, spec: RunSpec) -> Execution:
        if spec.language != "python":
            raise SandboxError(f"the docker backend has no image for {spec.language!r}")
        client = self._docker()
        limits = spec.limits
        payload = json.dumps(
            {
                "source": spec.source,
                "stdin": spec.stdin,
                "wall_time_s": limits.wall_time_s,
                "output_bytes": limits.output_bytes,
            }
        ).encode("utf-8")
        container: Container | None = None
        started = time.monotonic()
        try:
            container = self._create(client, spec)
            _send_stdin(container, payload)
            return self._collect(container, spec, started)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(
                f"sandbox image {self.image} is missing: run scripts/setup to build it"
            ) from exc
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
            if _is_unreachable(exc):
                raise SandboxUnavailable(_engine_down(exc)) from exc
            raise SandboxError(f"docker failed: {exc}") from exc
        except (OSError, requests.exceptions.RequestException) as exc:
            raise SandboxError(f"talking to the container failed: {exc}") from exc
        finally:
            if container is not None:
                _remove(container)

    def _create(self, client: docker.DockerClient, spec: RunSpec) -> Container:
        limits = spec.limits
        api = client.api
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={"/work": WORK_TMPFS, "/tmp": "size=16m,mode=1777"},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=limits.pids,
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            nano_cpus=int(limits.cpus * 1e9),
            ulimits=[docker.types.Ulimit(name="core", soft=0, hard=0)],
        )
        # The low-level API with detach=False and stdin_open sets StdinOnce: the runner gets
        # EOF once the request is written (the high-level API cannot set it).
        created = api.create_container(
            self.image,
            user=SANDBOX_USER,
            stdin_open=True,
            detach=False,
            network_disabled=True,
            host_config=host_config,
            labels={"referee.sandbox": "1"},
        )
        return client.containers.get(created["Id"])

    def _collect(self, container: Container, spec: RunSpec, started: float) -> Execution:
        limits = spec.limits
        host_timed_out = False
        try:
            container.wait(timeout=limits.wall_time_s + HOST_MARGIN_S)
        except requests.exceptions.ReadTimeout:
            host_timed_out = True
            container.kill()
            container.wait(timeout=30)
        container.reload()
        state: dict[str, Any] = container.attrs["State"]
        oom = bool(state.get("OOMKilled"))
        raw = container.logs(stdout=True, stderr=False)
        envelope = _parse_envelope(raw)
        duration = time.monotonic() - started
        if envelope is None:
            # The runner itself died: killed at the host limit, by the OOM killer, or by
            # the program (it shares the runner's uid). Never a pass.
            exit_code = state.get("ExitCode")
            return Execution(
                exit_code=None,
                stdout="",
                stderr=_runner_lost(container.logs(stdout=False, stderr=True)),
                duration_s=duration,
                signal=9 if exit_code == EXIT_SIGKILL else None,
                timed_out=host_timed_out,
                memory_exceeded=oom,
            )
        killed = envelope["signal"] == 9 and not envelope["killed_by_runner"]
        return Execution(
            exit_code=envelope["exit_code"],
            stdout=_decode(envelope["stdout_b64"]),
            stderr=_decode(envelope["stderr_b64"]),
            duration_s=float(envelope["duration_s"]),
            signal=envelope["signal"],
            timed_out=bool(envelope["timed_out"]),
            # A SIGKILL the runner did not send comes from the cgroup's OOM killer.
            memory_exceeded=oom or killed,
            output_exceeded=bool(envelope["output_exceeded"]),
        )

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _send_stdin(container: Container, payload: bytes) -> None:
    """Start the container and write the runner's request to its stdin, then close it."""
    sock = container.attach_socket(params={"stdin": 1, "stream": 1})
    raw: socket.socket = getattr(sock, "_sock", sock)
    try:
        container.start()
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
        envelope: dict[str, Any] = json.loads(lines[-1])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    required = {"exit_code", "signal", "timed_out", "output_exceeded", "stdout_b64"}
    return envelope if isinstance(envelope, dict) and required <= envelope.keys() else None


def _decode(b64: str) -> str:
    try:
        return base64.b64decode(b64).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _runner_lost(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace")
    return "sandbox runner ended without a report" + (f": {text[-500:]}" if text else "")


def _remove(container: Container) -> None:
    # Already gone is fine; a leftover is labelled referee.sandbox=1 for cleanup.
    with contextlib.suppress(docker.errors.DockerException):
        container.remove(force=True)


def _is_unreachable(exc: Exception) -> bool:
    text = str(exc)
    return isinstance(exc, requests.exceptions.ConnectionError) or any(
        marker in text
        for marker in ("Connection refused", "No such file or directory", "Connection aborted")
    )


def _engine_down(exc: Exception) -> str:
    return (
        f"Docker engine unreachable ({type(exc).__name__}): run scripts/setup or start dockerd, "
        "or set REFEREE_SANDBOX__BACKEND=none to refuse code items"
    )
