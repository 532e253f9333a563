"""The trusted runner inside the sandbox container (stdlib only, runs as the container's PID 1).

Protocol: read one JSON object from stdin:
    {"source": str, "stdin": str, "wall_time_s": float, "output_bytes": int}
write the program to /work, run it as a child in its own session with ``stdin``, read its
stdout and stderr through pipes (never letting it write to ours), kill everything it started
at the wall limit or when it exits, and print one JSON envelope on stdout:
    {"exit_code": int|null, "signal": int|null, "timed_out": bool, "output_exceeded": bool,
     "killed_by_runner": bool, "oom_kills": int|null, "duration_s": float,
     "stdout_b64": str, "stderr_b64": str}

Hardening: the program runs under the runner's uid, so the runner makes itself non-dumpable
first; the program then cannot open /proc/1/fd/1 (to write a fake envelope), /proc/1/mem or
ptrace the runner. As PID 1 of the container's PID namespace it ignores the program's
signals. It starts no thread after the program starts (one ``select`` loop feeds stdin and
drains both pipes), so a fork bomb that exhausts the pids limit cannot break the runner.
``oom_kills`` counts the memory cgroup's OOM kills during the run (null where the counter
is unreadable), so a program that SIGKILLs itself is not a memory-limit verdict.
"""

import base64
import ctypes
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time

PROGRAM = "/work/main.py"
READ_CHUNK = 65536
PR_SET_DUMPABLE = 4
# Without a pidfd, how often the loop looks for the program's exit.
POLL_S = 0.01
# The container's memory cgroup: v1 (memory.oom_control) or v2 (memory.events).
OOM_COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")


def _make_undumpable() -> None:
    """Deny the same-uid program /proc/1/{fd,mem,environ} and ptrace; fail closed."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _oom_kills() -> int | None:
    for path in OOM_COUNTERS:
        try:
            with open(path, encoding="ascii") as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Files the program writes go to the size-capped tmpfs; this caps each one too.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024, 64 * 1024 * 1024))


def _kill_all(pgid: int) -> None:
    """Kill the program and everything it started, even what left its process group."""
    try:
        if os.getpid() == 1:
            # As the container's init, kill(-1) reaches every other process in it: a
            # daemon that called setsid() cannot escape.
            os.kill(-1, signal.SIGKILL)
        else:
            os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exit_watch(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (None where unsupported)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


class _Pump:
    """Feeds the program's stdin and drains its stdout/stderr, capped, in one thread."""

    def __init__(self, proc: subprocess.Popen, stdin: bytes, cap: int) -> None:
        self.proc = proc
        self.cap = cap
        self.overflow = False
        self.selector = selectors.DefaultSelector()
        self.kept = {"stdout": [], "stderr": []}
        self.seen = {"stdout": 0, "stderr": 0}
        self.pending = memoryview(stdin)
        for name in ("stdout", "stderr"):
            stream = getattr(proc, name)
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream.fileno(), selectors.EVENT_READ, name)
        os.set_blocking(proc.stdin.fileno(), False)
        if self.pending:
            self.selector.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "stdin")
        else:
            proc.stdin.close()
        self.exit_fd = _exit_watch(proc.pid)
        if self.exit_fd is not None:
            self.selector.register(self.exit_fd, selectors.EVENT_READ, "exit")

    def open_pipes(self) -> int:
        return sum(1 for key in self.selector.get_map().values() if key.data != "exit")

    def step(self, timeout: float) -> None:
        if self.exit_fd is None:
            timeout = min(timeout, POLL_S)
        for key, _ in self.selector.select(max(0.0, timeout)):
            if key.data == "stdin":
                self._feed(key.fd)
            elif key.data == "exit":
                self.selector.unregister(key.fd)
                os.close(key.fd)
                self.exit_fd = -1  # seen; the caller reaps it
            else:
                self._drain(key.fd, key.data)

    def _feed(self, fd: int) -> None:
        try:
            written = os.write(fd, self.pending[:READ_CHUNK])
        except BlockingIOError:
            return
        except OSError:  # the program closed its stdin or exited
            written = len(self.pending)
        self.pending = self.pending[written:]
        if not self.pending:
            self.selector.unregister(fd)
            self.proc.stdin.close()

    def _drain(self, fd: int, name: str) -> None:
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            self.selector.unregister(fd)
            return
        room = self.cap - self.seen[name]
        if room > 0:
            self.kept[name].append(chunk[:room])
        self.seen[name] += len(chunk)
        if self.seen[name] > self.cap and not self.overflow:
            self.overflow = True
            _kill_all(self.proc.pid)

    def output(self, name: str) -> str:
        return base64.b64encode(b"".join(self.kept[name])).decode("ascii")


def main() -> None:
    _make_undumpable()
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    with open(PROGRAM, "w", encoding="utf-8") as f:
        f.write(request["source"])
    cap = int(request["output_bytes"])
    oom_before = _oom_kills()
    started = time.monotonic()
    deadline = started + float(request["wall_time_s"])
    proc = subprocess.Popen(
        [sys.executable, "-u", PROGRAM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/work",
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/work",
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
        },
        start_new_session=True,
        preexec_fn=_limit_child,
    )
    pump = _Pump(proc, request["stdin"].encode("utf-8"), cap)
    timed_out = False
    # Until the program exits: feed, drain, watch the clock.
    while proc.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        pump.step(remaining)
    # Whatever it left behind (background children holding the pipes) dies now.
    _kill_all(proc.pid)
    proc.wait()
    duration = time.monotonic() - started
    # Every writer is dead: what remains in the pipes arrives, then EOF.
    drain_until = time.monotonic() + 2.0
    while pump.open_pipes() and time.monotonic() < drain_until:
        pump.step(drain_until - time.monotonic())
    oom_after = _oom_kills()
    code = proc.returncode
    envelope = {
        "exit_code": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "timed_out": timed_out,
        "output_exceeded": pump.overflow,
        "killed_by_runner": timed_out or pump.overflow,
        "oom_kills": None if oom_before is None or oom_after is None else oom_after - oom_before,
        "duration_s": duration,
        "stdout_b64": pump.output("stdout"),
        "stderr_b64": pump.output("stderr"),
    }
    sys.stdout.write(json.dumps(envelope) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
