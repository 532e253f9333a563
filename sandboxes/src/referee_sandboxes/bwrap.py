"""Namespace backend: the same warm pool and runner under bubblewrap, without a Docker daemon.

Each sandbox is one ``bwrap`` process: the sandbox image's file tree (``rootfs``, exported by
``scripts/setup``) mounted read-only as ``/``, fresh tmpfs ``/work``, ``/tmp`` and
``/dev/shm``, a fresh ``/dev/mqueue``, and new PID, network (loopback only, down), IPC and
UTS namespaces. Its PID 1 is the runner, bound read-only from this package, so both backends
always run the same one. Requests and reports travel over the bwrap process's stdin and
stdout pipes.

Run as root (a worker container, this machine), bwrap keeps only CAP_SETUID, CAP_SETGID and
CAP_KILL for the runner, which then runs each program under the sandbox's own random uid
with no capabilities, exactly as in Docker. As an ordinary user, bwrap needs unprivileged
user namespaces and the program shares the runner's uid (the runner is then non-dumpable).

What Docker's cgroup adds is missing here: there is no memory or pids cgroup, so memory is
capped per process (RLIMIT_AS, the JVM/V8 heap flags, the measured peak RSS) and processes
per sandbox by RLIMIT_NPROC under the sandbox's own uid; on Kubernetes, the pod's limits are
the backstop. tmpfs here takes no inode cap, so the runner's wipe budget bounds what a
program can leave behind. The only seccomp filter is ``seccomp.keyring_filter`` (the kernel
keyrings are outside every namespace); pair bwrap with a gVisor RuntimeClass there.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from referee_sandboxes.base import COMPILE_LIMITS, Limits, SandboxUnavailable
from referee_sandboxes.docker import TMP_TMPFS_MB, WORK_TMPFS_MB
from referee_sandboxes.pool import (
    HOST_MARGIN_S,
    RECYCLE_AFTER,
    START_TIMEOUT_S,
    PooledBackend,
    decode_report,
    encode_request,
    sandbox_uid,
)
from referee_sandboxes.runner import RUNNER_PATH
from referee_sandboxes.seccomp import keyring_filter

# Where scripts/setup exports the sandbox image's file tree.
DEFAULT_ROOTFS = "/var/lib/referee/sandbox-rootfs"
RUNNER_IN_SANDBOX = "/run/referee/runner.py"
_DIAGNOSTICS_BYTES = 4096
_KEPT_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL")


class BwrapBackend(PooledBackend):
    """Runs programs in a warm pool of bubblewrap sandboxes over ``rootfs``. Thread-safe.

    Args:
        rootfs: the sandbox image's file tree (never the host's own ``/``: the program
            would read every file the host can).
        size, recycle_after, host_margin_s: as for ``PooledBackend``.
        limits, compile_limits: as for ``PooledBackend`` (no cgroup to size here).
        bwrap: the bubblewrap executable.
    """

    name = "bwrap"

    def __init__(
        self,
        rootfs: str = DEFAULT_ROOTFS,
        *,
        size: int = 4,
        recycle_after: int = RECYCLE_AFTER,
        limits: Limits | None = None,
        compile_limits: Limits = COMPILE_LIMITS,
        bwrap: str = "bwrap",
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
        self.rootfs = rootfs
        self.bwrap = bwrap

    def check(self) -> None:
        if shutil.which(self.bwrap) is None:
            raise SandboxUnavailable(
                f"bubblewrap ({self.bwrap}) is not installed: run scripts/setup"
            )
        if not (Path(self.rootfs) / "usr/bin/python3").exists():
            raise SandboxUnavailable(
                f"no sandbox file tree at {self.rootfs}: run scripts/setup to export it"
            )
        super().check()

    def command(self, uid: int, info_fd: int, seccomp_fd: int) -> list[str]:
        """The bwrap command line of one sandbox whose programs run as ``uid``; bwrap writes
        its PID 1's host pid to ``info_fd`` and reads its seccomp filter from ``seccomp_fd``."""
        mb = 1024 * 1024
        argv = [
            self.bwrap,
            "--ro-bind", self.rootfs, "/",
            "--dev", "/dev",
            # The sandbox's own message queues, where the runner can see and remove them.
            "--mqueue", "/dev/mqueue",
            "--proc", "/proc",
            "--tmpfs", "/run",
            "--ro-bind", str(RUNNER_PATH), RUNNER_IN_SANDBOX,
            "--perms", "1777", "--size", str(WORK_TMPFS_MB * mb), "--tmpfs", "/work",
            "--perms", "1777", "--size", str(TMP_TMPFS_MB * mb), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(TMP_TMPFS_MB * mb), "--tmpfs", "/dev/shm",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname", "sandbox",
            "--new-session",
            "--as-pid-1",
            "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--chdir", "/",
        ]  # fmt: skip
        runner = ["/usr/bin/python3", "-I", RUNNER_IN_SANDBOX]
        argv += ["--info-fd", str(info_fd), "--seccomp", str(seccomp_fd)]
        if os.geteuid() == 0:
            argv += ["--cap-drop", "ALL"]
            for cap in _KEPT_CAPS:
                argv += ["--cap-add", cap]
            runner.append(str(uid))
        else:
            argv.append("--unshare-user")
        return [*argv, "--", *runner]

    def _start_sandbox(self) -> _Namespace:
        try:
            seccomp_r = _readable(keyring_filter())
        except ValueError as exc:
            raise SandboxUnavailable(f"bubblewrap sandboxes cannot run here: {exc}") from exc
        info_r, info_w = os.pipe()
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the sandbox owns it until destroy()
        try:
            # No --die-with-parent: it ties the sandbox to the thread that started it. The
            # runner exits when its stdin closes instead (this process gone, or destroy()).
            proc = subprocess.Popen(
                self.command(sandbox_uid(), info_w, seccomp_r),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                pass_fds=(info_w, seccomp_r),
                close_fds=True,
                start_new_session=True,
            )
        except OSError as exc:
            stderr.close()
            raise SandboxUnavailable(f"cannot run bubblewrap ({exc}): run scripts/setup") from exc
        finally:
            os.close(info_w)
            os.close(seccomp_r)
        box = _Namespace(proc, stderr, _read_child_pid(info_r, time.monotonic() + 10))
        ready = box.read_report(time.monotonic() + self.start_timeout_s)
        if ready is None or not ready.get("ready"):
            why = box.diagnostics() or str(ready)
            box.destroy()
            raise SandboxUnavailable(f"bubblewrap could not start a sandbox: {why.strip()}")
        return box


def _readable(data: bytes) -> int:
    """A pipe's read end holding ``data`` and then EOF (``data`` fits in the pipe buffer)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
    finally:
        os.close(write_end)
    return read_end


def _read_child_pid(fd: int, deadline: float) -> int | None:
    """bwrap's ``--info-fd`` JSON names the sandbox's PID 1 as the host sees it."""
    data = b""
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            with contextlib.suppress(ValueError):
                pid = json.loads(data).get("child-pid")
                return int(pid) if pid else None
    finally:
        os.close(fd)
    return None


class _Namespace:
    """One bwrap sandbox process (used by one thread at a time)."""

    def __init__(
        self, proc: subprocess.Popen[bytes], stderr: IO[bytes], child_pid: int | None
    ) -> None:
        self.runs = 0
        self._proc = proc
        self._stderr = stderr
        self._child_pid = child_pid
        assert proc.stdout is not None and proc.stdin is not None
        self._out = proc.stdout.fileno()
        self._in = proc.stdin.fileno()
        self._lines = bytearray()
        self._destroyed = False

    def alive(self) -> bool:
        if self._destroyed or self._proc.poll() is not None:
            return False
        readable, _, _ = select.select([self._out], [], [], 0)
        return not readable  # nothing is due between requests: EOF or garbage

    def request(self, message: Mapping[str, Any], timeout_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout_s
        data = memoryview(encode_request(message))
        try:
            while data:
                _, writable, _ = select.select([], [self._in], [], deadline - time.monotonic())
                if not writable:
                    return None
                written = os.write(self._in, data[: 1 << 16])
                data = data[written:]
        except (OSError, ValueError):
            return None
        return self.read_report(deadline)

    def read_report(self, deadline: float) -> dict[str, Any] | None:
        while True:
            newline = self._lines.find(b"\n")
            if newline >= 0:
                line = bytes(self._lines[:newline])
                del self._lines[: newline + 1]
                return decode_report(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self._out], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(self._out, 1 << 20)
            if not chunk:
                return None
            self._lines += chunk

    def memory_killed(self) -> bool:
        return False  # no cgroup of its own to ask

    def diagnostics(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - _DIAGNOSTICS_BYTES))
            return self._stderr.read().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return ""

    def destroy(self) -> None:
        if self._destroyed:
            return
        self._destroyed = True
        # Killing the sandbox's PID 1 takes down its whole PID namespace; the outer bwrap
        # then exits on its own. Only while bwrap lives is that pid certainly still ours.
        if self._child_pid is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self._child_pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
        for stream in (self._proc.stdin, self._proc.stdout, self._stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
