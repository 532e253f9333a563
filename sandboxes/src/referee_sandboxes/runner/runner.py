"""The trusted runner: PID 1 of one sandbox, serving executions one at a time (stdlib only).

It runs inside the sandbox (a Docker container or a bubblewrap namespace), never on the
host: it refuses to start unless it is PID 1 of its own PID namespace.

Protocol, one JSON object per line on stdin/stdout (the program never sees either):
    runner -> host, once:  {"ready": true, "protocol": 1, "separate_uid": bool}
    host -> runner:        {"files": {path: text}, "dirs": [path], "keep": [name],
                            "argv": [str], "env": {str: str}, "stdin": str,
                            "wall_time_s": float, "cpu_time_s": float,
                            "memory_bytes": int|null, "nproc": int,
                            "file_size_bytes": int, "stack_bytes": int, "output_bytes": int}
    runner -> host:        {"exit_code": int|null, "signal": int|null, "timed_out": bool,
                            "cpu_exceeded": bool, "output_exceeded": bool,
                            "oom_kills": int|null, "maxrss_kb": int, "cpu_s": float,
                            "duration_s": float, "stdout_b64": str, "stderr_b64": str,
                            "error": str|null, "anomaly": str|null}
``error`` means the program never started (the host retries on a fresh sandbox);
``anomaly`` means the sandbox is no longer known clean (the host recycles it).

One execution: first a wiper process, under the child uid, empties the work dir, /tmp,
/dev/shm and /dev/mqueue of what the previous execution left (except the ``keep`` names: a
compiled program between its tests), within ``WIPE_BUDGET_S`` and before the program's clock
starts, so what one program leaves never costs the next one its time; a wipe that overruns
or leaves anything is an error and an anomaly. Then fork a child that leaves the runner's
session, drops to the child uid (no capabilities left), writes ``files``, sets rlimits and
execs ``argv``. The runner feeds stdin and drains stdout/stderr through pipes (capped) in
one thread-free ``select`` loop, kills everything at the wall limit or when the program
exits, reaps it all, then checks that nothing is left (processes, System V IPC objects).
``maxrss_kb`` is the peak resident set of the largest process it ran, orphans included.

Why the program cannot forge or stop the runner: the runner is root in the sandbox with only
CAP_SETUID, CAP_SETGID and CAP_KILL, and the program runs under another uid with none, so it
cannot signal, ptrace, prlimit or open /proc/1/*; as PID 1 the runner also receives no signal
it has no handler for. Where no second uid is available (an unprivileged user namespace) the
runner makes itself non-dumpable, which still denies /proc/1/{fd,mem} and ptrace.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
from typing import Any

PROTOCOL = 1
WORK = "/work"
# POSIX message queues are only visible (so removable) through a mounted mqueue filesystem.
MQUEUE = "/dev/mqueue"
# Shared scratch places a program can write besides /work; wiped before every execution.
SCRATCH = ("/tmp", "/dev/shm", MQUEUE)
# The wipe's allowance. tmpfs inode caps keep an honest wipe to milliseconds; a program that
# left more than this can remove (about half a million entries a second) costs its sandbox.
WIPE_BUDGET_S = 1.0
READ_CHUNK = 65536
PR_SET_DUMPABLE = 4
# Without a pidfd, how often the loop looks for the program's exit.
POLL_S = 0.01
# After the kill: how long to wait for every process to be reaped and the pipes to close.
REAP_S = 2.0
# The memory cgroup's OOM-kill counter: v1 (memory.oom_control) or v2 (memory.events).
OOM_COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")
SYSV_IPC = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")
# The runner ignores these; exec keeps ignored signals ignored, so the program gets defaults.
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT)


def _set_dumpable(value: int) -> None:
    """0 denies a same-uid program /proc/1/{fd,mem,environ} and ptrace; fails closed."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl(PR_SET_DUMPABLE, {value}) failed")


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


# ------------------------------------------ under the child uid: the wiper, the child before exec


def _become(child_uid: int | None) -> None:
    """Drop to the programs' uid for good (no-op where there is no second uid)."""
    if child_uid is not None:
        os.setgroups([])
        os.setresgid(child_uid, child_uid, child_uid)
        os.setresuid(child_uid, child_uid, child_uid)  # the last capability goes here


def _clear(dir_fd: int, keep: tuple[str, ...] = ()) -> None:
    """Remove every entry of the open directory but ``keep``, not following links and
    restoring permissions the program took away, or raise. Relative to descriptors: no path
    lookups, no length limit. It returns only after a scan that found nothing else, so
    nothing else is left (and entries are never held in a list)."""
    while True:
        removed = False
        with os.scandir(dir_fd) as entries:
            for entry in entries:
                if entry.name in keep:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.name, 0o700, dir_fd=dir_fd)
                    sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                  dir_fd=dir_fd)  # fmt: skip
                    try:
                        _clear(sub)
                    finally:
                        os.close(sub)
                    os.rmdir(entry.name, dir_fd=dir_fd)
                else:
                    os.unlink(entry.name, dir_fd=dir_fd)
                removed = True
        if not removed:
            return


def _wipe(keep: tuple[str, ...]) -> None:
    """Empty the work dir (but ``keep``) and the scratch dirs, or raise."""
    for top, kept in ((WORK, keep), *((top, ()) for top in SCRATCH)):
        fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            _clear(fd, kept)
        finally:
            os.close(fd)


def _wipe_before(keep: tuple[str, ...], child_uid: int | None) -> tuple[str, str] | None:
    """Run the wipe in its own process under the child uid (which owns what is to go) and
    within ``WIPE_BUDGET_S``, killing it past that. None, or why not: the anomaly (a fixed
    text) and what the wiper said."""
    why_r, why_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # the wiper: exits, never returns into the runner's loop
        code = 1
        try:
            os.close(why_r)
            _become(child_uid)
            _wipe(keep)
            code = 0
        except BaseException as exc:
            os.write(why_w, f"{type(exc).__name__}: {exc}".encode()[:4000])
        finally:
            os._exit(code)
    os.close(why_w)
    try:
        # The pipe reaches EOF when the wiper exits, however it ends.
        finished = select.select([why_r], [], [], WIPE_BUDGET_S)[0]
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        why = os.read(why_r, 4096).decode("utf-8", errors="replace")
    finally:
        os.close(why_r)
    if not finished:
        return f"the workspace wipe did not finish within {WIPE_BUDGET_S} s", ""
    if status != 0:
        return "the workspace wipe failed", why or f"wait status {status}"
    return None


def _safe_path(name: str) -> str:
    path = os.path.normpath(os.path.join(WORK, name))
    if not path.startswith(WORK + "/"):
        raise ValueError(f"file name outside the work dir: {name!r}")
    return path


def _prepare_workspace(request: dict[str, Any]) -> None:
    """Write the request's dirs and files into the work dir the wiper emptied."""
    for name in request.get("dirs", ()):
        os.makedirs(_safe_path(name), exist_ok=True)
    for name, text in request.get("files", {}).items():
        path = _safe_path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def _set_limits(request: dict[str, Any], separate_uid: bool) -> None:
    def limit(which: int, soft: int, hard: int | None = None) -> None:
        resource.setrlimit(which, (soft, soft if hard is None else hard))

    limit(resource.RLIMIT_CORE, 0)
    cpu = max(1, int(-(-float(request["cpu_time_s"]) // 1)))  # whole seconds, rounded up
    # SIGXCPU at the soft limit, SIGKILL a second later for a program that ignores it.
    limit(resource.RLIMIT_CPU, cpu, cpu + 1)
    limit(resource.RLIMIT_FSIZE, int(request["file_size_bytes"]))
    limit(resource.RLIMIT_STACK, int(request["stack_bytes"]))
    limit(resource.RLIMIT_NOFILE, 256)
    # Counted per uid: the runner shares it when there is no second uid.
    limit(resource.RLIMIT_NPROC, int(request["nproc"]) + (0 if separate_uid else 1))
    if request.get("memory_bytes") is not None:
        limit(resource.RLIMIT_AS, int(request["memory_bytes"]))


def _child(request: dict[str, Any], fds: tuple[int, int, int], child_uid: int | None) -> None:
    """Become the program. Never returns: execs, or raises and the caller reports it."""
    os.setsid()
    _become(child_uid)
    # The program owns its own /proc/self (runtimes read it); the runner stays sealed.
    _set_dumpable(1)
    # The kernel's OOM killer takes the program, never the runner, when memory runs out.
    with open("/proc/self/oom_score_adj", "w", encoding="ascii") as f:
        f.write("1000")
    _prepare_workspace(request)
    os.chdir(WORK)
    _set_limits(request, child_uid is not None)
    for sig in RESET_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    env = {str(k): str(v) for k, v in request.get("env", {}).items()}
    argv = [str(a) for a in request["argv"]]
    os.execve(argv[0], argv, env)


# ---------------------------------------------------------------- in the runner


class _Pipes:
    """Feeds the program's stdin and drains its stdout/stderr, capped, without threads."""

    def __init__(self, stdin: int, stdout: int, stderr: int, data: bytes, cap: int) -> None:
        self.cap = cap
        self.overflow = False
        self.poller = select.poll()
        self.names = {stdout: "stdout", stderr: "stderr"}
        self.kept: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
        self.seen = {"stdout": 0, "stderr": 0}
        self.pending = memoryview(data)
        self.stdin = stdin
        for fd in (stdout, stderr):
            os.set_blocking(fd, False)
            self.poller.register(fd, select.POLLIN)
        os.set_blocking(stdin, False)
        self.open_fds = {stdout, stderr}
        if self.pending:
            self.poller.register(stdin, select.POLLOUT)
        else:
            os.close(stdin)
            self.stdin = -1

    def watch(self, fd: int) -> None:
        self.poller.register(fd, select.POLLIN)

    def step(self, timeout_s: float) -> list[int]:
        """Move data for up to ``timeout_s``; return the other watched fds that are ready."""
        ready = []
        for fd, _ in self.poller.poll(max(0, int(timeout_s * 1000) + 1)):
            if fd == self.stdin:
                self._feed()
            elif fd in self.names:
                self._drain(fd)
            else:
                ready.append(fd)
        return ready

    def _close_stdin(self) -> None:
        if self.stdin >= 0:
            self.poller.unregister(self.stdin)
            os.close(self.stdin)
            self.stdin = -1

    def _feed(self) -> None:
        try:
            written = os.write(self.stdin, self.pending[:READ_CHUNK])
        except BlockingIOError:
            return
        except OSError:  # the program closed its stdin or exited
            written = len(self.pending)
        self.pending = self.pending[written:]
        if not self.pending:
            self._close_stdin()

    def _drain(self, fd: int) -> None:
        name = self.names[fd]
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            self.poller.unregister(fd)
            os.close(fd)
            self.open_fds.discard(fd)
            return
        room = self.cap - self.seen[name]
        if room > 0:
            self.kept[name].append(chunk[:room])
        self.seen[name] += len(chunk)
        if self.seen[name] > self.cap:
            self.overflow = True

    def finish(self, until: float) -> None:
        """Every writer is dead: take what is left in the pipes, then close everything."""
        self._close_stdin()
        while self.open_fds and time.monotonic() < until:
            self.step(until - time.monotonic())
        for fd in list(self.open_fds):
            os.close(fd)

    def output(self, name: str) -> str:
        return base64.b64encode(b"".join(self.kept[name])).decode("ascii")


def _kill_everything() -> None:
    """As PID 1, kill(-1) reaches every other process in the sandbox, setsid daemons too."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)


def _reap_all(pid: int, until: float) -> tuple[int, Any, int]:
    """Reap the program (its status and usage) and every orphan the runner inherited; also
    the largest peak RSS among them (an orphan's usage never reaches the program's)."""
    status, usage, peak_kb = 0, None, 0
    while True:
        try:
            got, st, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if got > 0:
            peak_kb = max(peak_kb, ru.ru_maxrss)
        if got == pid:
            status, usage = st, ru
        if got == 0:
            if time.monotonic() > until:
                break
            _kill_everything()  # a process forked between the kill and now
            time.sleep(0.001)
    return status, usage, peak_kb


def _leftovers() -> str | None:
    """Why the sandbox is not clean after an execution, or None."""
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    if others:
        return f"{len(others)} process(es) survived the kill"
    for path in SYSV_IPC:
        try:
            with open(path, encoding="ascii") as f:
                if len(f.readlines()) > 1:  # a header line, then one line per object
                    return f"System V IPC objects left in {path}"
        except OSError:
            continue
    return None


def execute(request: dict[str, Any], child_uid: int | None) -> dict[str, Any]:
    """Run one program to completion or to its limits; report what happened."""
    unclean = _wipe_before(tuple(request.get("keep", ())), child_uid)
    if unclean is not None:
        reason, detail = unclean
        return {"error": f"{reason}: {detail}" if detail else reason, "anomaly": reason}
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    # Closed by a successful exec; before that, the child writes why it failed.
    error_r, error_w = os.pipe2(os.O_CLOEXEC)
    oom_before = _oom_kills()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: becomes the program or dies trying
        try:
            for fd in (stdin_w, stdout_r, stderr_r, error_r):
                os.close(fd)
            _child(request, (stdin_r, stdout_w, stderr_w), child_uid)
        except BaseException as exc:  # reported through the error pipe, then _exit
            os.write(error_w, f"{type(exc).__name__}: {exc}".encode()[:4000])
        finally:
            os._exit(127)
    for fd in (stdin_r, stdout_w, stderr_w, error_w):
        os.close(fd)
    deadline = started + float(request["wall_time_s"])
    data = request["stdin"].encode("utf-8")
    pipes = _Pipes(stdin_w, stdout_r, stderr_r, data, int(request["output_bytes"]))
    exit_fd = _exit_watch(pid)
    if exit_fd is not None:
        pipes.watch(exit_fd)
    timed_out = False
    exited = False
    # Until the program exits: feed, drain, watch the clock and the output cap.
    while not exited and not pipes.overflow:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready = pipes.step(remaining if exit_fd is not None else min(remaining, POLL_S))
        exited = exit_fd in ready if exit_fd is not None else _has_exited(pid)
    duration = time.monotonic() - started
    # Whatever it left behind (background children, setsid daemons) dies now.
    _kill_everything()
    status, usage, peak_kb = _reap_all(pid, time.monotonic() + REAP_S)
    pipes.finish(time.monotonic() + REAP_S)
    if exit_fd is not None:
        os.close(exit_fd)
    error = os.read(error_r, 4096).decode("utf-8", errors="replace")
    os.close(error_r)
    oom_after = _oom_kills()
    oom_kills = None if oom_before is None or oom_after is None else oom_after - oom_before
    cpu_s = (usage.ru_utime + usage.ru_stime) if usage is not None else 0.0
    signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    # Killed past the soft CPU limit: SIGXCPU, or SIGKILL at the hard limit a second later.
    cpu_exceeded = signum == signal.SIGXCPU or (
        signum == signal.SIGKILL and cpu_s >= float(request["cpu_time_s"])
    )
    anomaly = _leftovers()
    if oom_kills:
        anomaly = anomaly or "the memory cgroup killed a process"
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": signum,
        "timed_out": timed_out,
        "cpu_exceeded": cpu_exceeded,
        "output_exceeded": pipes.overflow,
        "oom_kills": oom_kills,
        "maxrss_kb": peak_kb,
        "cpu_s": cpu_s,
        "duration_s": duration,
        "stdout_b64": pipes.output("stdout"),
        "stderr_b64": pipes.output("stderr"),
        "error": error or None,
        "anomaly": anomaly,
    }


def _exit_watch(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (None where unsupported)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _has_exited(pid: int) -> bool:
    """Whether ``pid`` is a zombie, without reaping it (the reap takes its usage later)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _child_uid(argv: list[str]) -> int | None:
    """The uid programs run under, when the runner can switch to one (it is root)."""
    if os.geteuid() != 0:
        return None
    if len(argv) != 2 or not argv[1].isdigit() or int(argv[1]) == 0:
        raise SystemExit("usage: runner.py CHILD_UID (a non-zero uid for the programs)")
    return int(argv[1])


def _has_mqueue_mount() -> bool:
    with open("/proc/self/mounts", encoding="utf-8") as f:
        return any(line.split()[1:3] == [MQUEUE, "mqueue"] for line in f)


def main() -> None:
    if os.getpid() != 1:
        raise SystemExit("the runner only runs as PID 1 of a sandbox's own PID namespace")
    if not _has_mqueue_mount():
        # Without it, message queues would pass from one execution to the next unseen.
        raise SystemExit(f"the runner needs the sandbox's own mqueue filesystem at {MQUEUE}")
    _set_dumpable(0)
    # As PID 1 a signal without a handler is never delivered from inside the sandbox;
    # Python's own SIGINT handler would be, so it goes.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    child_uid = _child_uid(sys.argv)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "protocol": PROTOCOL, "separate_uid": bool(child_uid)}))
    out.write("\n")
    out.flush()
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            response = execute(request, child_uid)
        except (ValueError, KeyError, TypeError, OSError) as exc:
            # A malformed request or a failed pipe/fork: nothing ran; the host recycles us.
            response = {"error": f"{type(exc).__name__}: {exc}", "anomaly": "runner error"}
        out.write(json.dumps(response))
        out.write("\n")
        out.flush()


if __name__ == "__main__":
    main()
