"""Docker backend: a warm pool of long-lived, locked-down containers of the sandbox image.

Each container has no network, a read-only root, size- and inode-capped tmpfs work and
scratch dirs (``/work``, ``/tmp``, ``/dev/shm``), all capabilities dropped but CAP_SETUID,
CAP_SETGID and CAP_KILL (which only the runner keeps: every program runs under the
container's own random non-root uid with none), no-new-privileges, Docker's default seccomp
profile (which also refuses the kernel keyring calls), and pids/memory/CPU limits. Its PID 1
is the trusted runner (``runner/runner.py``), which serves one execution at a time.

Transport: one attach socket per container, opened before it starts, carries request lines
to the runner's stdin and its report lines back on stdout (Docker's multiplexed stream
format: an 8-byte header per frame). No host file is mounted. Closing the socket closes
the runner's stdin, so a container whose host process died exits and removes itself.

The per-run limits (memory, pids, CPU time, output) are the runner's rlimits; the
container's cgroup limits, set once from ``limits``/``compile_limits``, are the backstop
for everything the program starts together. Docker's exception types never leave here.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import docker
import docker.errors
import docker.types
import requests.exceptions

from referee_sandboxes.base import COMPILE_LIMITS, Limits, SandboxError, SandboxUnavailable
from referee_sandboxes.pool import (
    HOST_MARGIN_S,
    RECYCLE_AFTER,
    START_TIMEOUT_S,
    PooledBackend,
    decode_report,
    sandbox_uid,
)
from referee_sandboxes.pool import encode_request as _encode

DEFAULT_IMAGE = "referee-sandbox:latest"
# Every container this backend makes carries this label, so leftovers can be found.
LABEL = "referee.sandbox"
# The runner's own memory (Python, its buffers) on top of what programs may use.
RUNNER_MEMORY_MB = 64
# Tmpfs sizes count against the container's memory limit.
WORK_TMPFS_MB = 64
TMP_TMPFS_MB = 64
# Entries per tmpfs (hard links count too): what the runner's wipe between two executions
# may meet is bounded, and takes it milliseconds, not the next program's time.
TMPFS_INODES = 16384
# Docker's attach stream: 1-byte stream id, 3 zero bytes, 4-byte big-endian length.
_FRAME = struct.Struct(">BxxxI")
_STDOUT, _STDERR = 1, 2
# Runner stderr kept for diagnostics.
_DIAGNOSTICS_BYTES = 4096


def _default_client() -> docker.DockerClient:
    return docker.from_env(timeout=60)


class DockerBackend(PooledBackend):
    """Runs programs in a warm pool of containers of ``image`` on the local Docker engine.

    Thread-safe: ``run`` and ``run_tests`` may be called from several threads at once; each
    call holds one container, and at most ``size`` exist.

    Args:
        image: the sandbox image (built by ``scripts/setup``).
        size: containers in the pool.
        recycle_after: executions before a container is replaced.
        limits: the run limits the containers' cgroups are sized for (CPUs, memory, pids).
        compile_limits: the compile limits they are sized for as well.
        client_factory: makes the Docker client; default ``docker.from_env``.
        host_margin_s: how long past the wall limit the host waits before it kills the
            container itself (the runner normally ends the program at the wall limit).
    """

    name = "docker"

    def __init__(
        self,
        image: str = DEFAULT_IMAGE,
        *,
        size: int = 4,
        recycle_after: int = RECYCLE_AFTER,
        limits: Limits | None = None,
        compile_limits: Limits = COMPILE_LIMITS,
        client_factory: Callable[[], docker.DockerClient] | None = None,
        host_margin_s: float = HOST_MARGIN_S,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        super().__init__(
            size=size,
            recycle_after=recycle_after,
            host_margin_s=host_margin_s,
            start_timeout_s=start_timeout_s,
            limits=limits,
            compile_limits=compile_limits,
        )
        self.image = image
        self._client_factory = client_factory or _default_client
        self._client: docker.DockerClient | None = None
        self._client_lock = threading.Lock()

    def _docker(self) -> docker.DockerClient:
        with self._client_lock:
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
        super().check()

    def _start_sandbox(self) -> _Container:
        api: docker.APIClient = self._docker().api
        container_id: str | None = None
        try:
            container_id = self._create(api, sandbox_uid())
            sock = api.attach_socket(
                container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            raw: socket.socket = getattr(sock, "_sock", sock)
            box = _Container(api, container_id, raw, keepalive=sock)
            api.start(container_id)
        except docker.errors.ImageNotFound as exc:
            _remove(api, container_id)
            raise SandboxUnavailable(_image_missing(self.image)) from exc
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            _remove(api, container_id)
            if _is_unreachable(exc):
                raise SandboxUnavailable(_engine_down(exc)) from exc
            raise SandboxError(f"docker failed to start a sandbox: {exc}") from exc
        ready = box.read_report(time.monotonic() + self.start_timeout_s)
        if ready is None or not ready.get("ready"):
            why = box.diagnostics()
            box.destroy()
            raise SandboxError(f"the sandbox runner did not start: {why or ready}")
        if not ready.get("separate_uid"):
            box.destroy()
            raise SandboxError("the sandbox runner cannot run programs under their own uid")
        return box

    def _create(self, api: docker.APIClient, uid: int) -> str:
        biggest = max(self.limits.memory_mb, self.compile_limits.memory_mb)
        memory_mb = biggest + WORK_TMPFS_MB + 2 * TMP_TMPFS_MB + RUNNER_MEMORY_MB
        scratch = f"size={TMP_TMPFS_MB}m,nr_inodes={TMPFS_INODES},mode=1777"
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={
                # Only the program's uid may enter the work dir; the runner never does.
                # exec: compiled programs run from it (Docker mounts tmpfs noexec).
                "/work": (
                    f"size={WORK_TMPFS_MB}m,nr_inodes={TMPFS_INODES},"
                    f"uid={uid},gid={uid},mode=0700,exec"
                ),
                "/tmp": scratch,
                # In place of Docker's own /dev/shm, which takes no inode cap.
                "/dev/shm": scratch,
            },
            cap_drop=["ALL"],
            cap_add=["SETUID", "SETGID", "KILL"],
            security_opt=["no-new-privileges"],
            pids_limit=max(self.limits.pids, self.compile_limits.pids) + 8,
            mem_limit=f"{memory_mb}m",
            memswap_limit=f"{memory_mb}m",
            nano_cpus=int(self.limits.cpus * 1e9),
            ulimits=[docker.types.Ulimit(name="core", soft=0, hard=0)],
            log_config=docker.types.LogConfig(type="none"),
            auto_remove=True,
        )
        # detach=False with stdin_open sets StdinOnce: when the host's attach socket closes
        # (this process exits), the runner reads EOF and the container ends.
        created: dict[str, Any] = api.create_container(
            self.image,
            command=[str(uid)],
            user="0:0",
            stdin_open=True,
            detach=False,
            network_disabled=True,
            host_config=host_config,
            labels={LABEL: "1"},
        )
        return str(created["Id"])

    def close(self) -> None:
        super().close()
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None


class _Container:
    """One running container and its attach socket (used by one thread at a time)."""

    def __init__(
        self, api: docker.APIClient, container_id: str, sock: socket.socket, keepalive: Any
    ) -> None:
        self.runs = 0
        self._api = api
        self.container_id = container_id
        self._sock = sock
        self._keepalive = keepalive  # the SDK's wrapper; closing it alone leaves sock open
        self._raw = bytearray()  # undecoded frames
        self._lines = bytearray()  # the runner's stdout, not yet a full line
        self._stderr = bytearray()
        self._eof = False
        self._destroyed = False
        self._oom_killed = False

    def alive(self) -> bool:
        if self._eof or self._destroyed:
            return False
        # Nothing is expected between requests: anything readable means the stream ended
        # (or the runner printed an error on its way out).
        readable, _, _ = select.select([self._sock], [], [], 0)
        return not readable

    def request(self, message: Mapping[str, Any], timeout_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout_s
        try:
            self._sock.settimeout(timeout_s)
            self._sock.sendall(_encode(message))
        except OSError:
            self._eof = True
            return None
        return self.read_report(deadline)

    def read_report(self, deadline: float) -> dict[str, Any] | None:
        """The runner's next line, or None at the deadline or the end of the stream."""
        while True:
            newline = self._lines.find(b"\n")
            if newline >= 0:
                line = bytes(self._lines[:newline])
                del self._lines[: newline + 1]
                return decode_report(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._eof:
                return None
            try:
                self._sock.settimeout(remaining)
                chunk = self._sock.recv(1 << 20)
            except TimeoutError:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self._eof = True
                return None
            self._raw += chunk
            self._unframe()

    def _unframe(self) -> None:
        while len(self._raw) >= _FRAME.size:
            stream, size = _FRAME.unpack_from(self._raw)
            if len(self._raw) < _FRAME.size + size:
                return
            payload = self._raw[_FRAME.size : _FRAME.size + size]
            del self._raw[: _FRAME.size + size]
            if stream == _STDOUT:
                self._lines += payload
            elif stream == _STDERR:
                self._stderr = (self._stderr + payload)[-_DIAGNOSTICS_BYTES:]

    def memory_killed(self) -> bool:
        with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
            state: dict[str, Any] = self._api.inspect_container(self.container_id)["State"]
            self._oom_killed = bool(state.get("OOMKilled"))
        return self._oom_killed

    def diagnostics(self) -> str:
        return self._stderr.decode("utf-8", errors="replace")

    def destroy(self) -> None:
        if self._destroyed:
            return
        self._destroyed = True
        with contextlib.suppress(OSError):
            self._sock.close()
        with contextlib.suppress(OSError):
            self._keepalive.close()
        _remove(self._api, self.container_id)


def _remove(api: docker.APIClient, container_id: str | None) -> None:
    # Already gone is fine; a leftover carries the referee.sandbox label for cleanup.
    if container_id is None:
        return
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
