"""The warm pool shared by the Docker and bubblewrap backends.

A backend supplies ``_start_sandbox`` (a live sandbox whose PID 1 is the trusted runner,
``runner/runner.py``); this module checks sandboxes out to callers, speaks the runner's
line protocol, turns its reports into ``Execution``s, and decides when a sandbox goes:

- after ``recycle_after`` executions, at the end of the item that reached it;
- at once, on any anomaly: the runner reports one (a process survived the kill, System V
  IPC objects left behind, an OOM kill, a wipe between executions that overran its budget
  or left something), it failed to start a program, it did not answer within the wall
  limit plus ``host_margin_s``, or it died. A dead sandbox is destroyed and replaced, never
  reused.

One item (``run_tests``) holds one sandbox: it compiles once, then runs every test there;
the work dir is wiped before every execution except for the compiled program. If the
sandbox has to go in the middle of an item, the next test gets a fresh one, compiled again.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from referee_sandboxes.base import (
    COMPILE_LIMITS,
    Execution,
    KeepGoing,
    Limits,
    RecompileFailed,
    RunSpec,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
    kept,
)
from referee_sandboxes.languages import BUILD_DIR, Command, Language, language

MB = 1024 * 1024
# Host-side slack over the wall limit: the runner's wipe before the program (up to 1 s), its
# own kill, reap and drain (up to 4 s) and a loaded machine. Past it the sandbox is presumed
# hung and destroyed.
HOST_MARGIN_S = 10.0
RECYCLE_AFTER = 500
# How long a new sandbox may take to say it is ready (start-up under load).
START_TIMEOUT_S = 30.0
# The program's stack: deep recursion is normal in contest code; RLIMIT_AS still caps it.
STACK_BYTES = 256 * MB
# The only environment a program sees.
PROGRAM_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/work",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# A failed program whose peak resident set reached this share of its cap ran out of memory.
MEMORY_NEAR_LIMIT = 0.9


class Sandbox(Protocol):
    """One live sandbox whose runner answers one request at a time."""

    runs: int

    def alive(self) -> bool:
        """Cheap and non-blocking: False when the sandbox is known dead."""

    def request(self, message: Mapping[str, Any], timeout_s: float) -> dict[str, Any] | None:
        """Send one request; the runner's report, or None if none came in ``timeout_s``."""

    def memory_killed(self) -> bool:
        """After a lost request: whether the sandbox's memory limit killed the runner."""

    def diagnostics(self) -> str:
        """What the runner itself printed on stderr (the tail), for a lost request."""

    def destroy(self) -> None:
        """Kill the sandbox and everything in it. Idempotent; never raises."""


@dataclass(frozen=True)
class _Step:
    """One request to the runner and how to read its report."""

    message: dict[str, Any]
    limits: Limits
    lang: Language
    address_space_limited: bool


class PooledBackend:
    """Runs programs in a pool of at most ``size`` warm sandboxes. Thread-safe.

    Subclasses implement ``_start_sandbox`` (and ``check``); everything else is here.

    Args:
        size: sandboxes alive at once (one per concurrent item).
        recycle_after: executions before a sandbox is replaced.
        host_margin_s: how long past a wall limit the host waits for the runner's report.
        start_timeout_s: how long a new sandbox may take to report ready.
        limits: the run limits the pool is sized for (a run brings its own in its spec).
        compile_limits: the compile step's limits when a spec names none.
    """

    name = "pooled"

    def __init__(
        self,
        *,
        size: int = 4,
        recycle_after: int = RECYCLE_AFTER,
        host_margin_s: float = HOST_MARGIN_S,
        start_timeout_s: float = START_TIMEOUT_S,
        limits: Limits | None = None,
        compile_limits: Limits = COMPILE_LIMITS,
    ) -> None:
        if size < 1 or recycle_after < 1:
            raise ValueError("size and recycle_after must be at least 1")
        self.limits = limits or Limits()
        self.compile_limits = compile_limits
        self.size = size
        self.recycle_after = recycle_after
        self.host_margin_s = host_margin_s
        self.start_timeout_s = start_timeout_s
        self._idle: list[Sandbox] = []
        self._count = 0  # live or starting
        self._cond = threading.Condition()
        self._closed = False
        # Sandboxes destroyed so far, by reason; tests and benchmarks read it.
        self.recycled: dict[str, int] = {}

    # ------------------------------------------------------------ for subclasses

    def _start_sandbox(self) -> Sandbox:
        """Start one sandbox and wait for its runner's ready line."""
        raise NotImplementedError

    # ------------------------------------------------------------ the SandboxBackend API

    def check(self) -> None:
        """Start (or reuse) one sandbox: it proves the whole path works."""
        box = self._acquire()
        self._release(box, healthy=box.alive())

    def warm(self, count: int | None = None) -> None:
        """Start sandboxes until ``count`` (default: all of the pool) are idle and ready."""
        wanted = self.size if count is None else min(count, self.size)
        boxes: list[Sandbox] = []
        errors: list[BaseException] = []

        def start() -> None:
            try:
                boxes.append(self._acquire(new_only=True))
            except SandboxError as exc:
                errors.append(exc)

        with self._cond:
            missing = max(0, min(wanted - len(self._idle), self.size - self._count))
        threads = [threading.Thread(target=start) for _ in range(missing)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for box in boxes:
            self._release(box, healthy=True)
        if errors:
            raise errors[0]

    def run(self, spec: RunSpec) -> Execution:
        tests = self.run_tests(spec, [spec.stdin])
        if tests.compile_failed:
            assert tests.compiled is not None
            return tests.compiled
        if tests.runs:
            return tests.runs[0]
        return Execution(None, "", "", 0.0, timed_out=True)  # its deadline passed first

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        try:
            lang = language(spec.language)
        except ValueError as exc:
            raise SandboxError(str(exc)) from exc
        source_path = lang.source_name(spec.source)
        build: _Step | None = None
        if lang.compile is not None:
            limits = _until(spec.compile_limits or self.compile_limits, spec.deadline)
            command = lang.compile(source_path, limits.memory_mb)
            files = {**spec.files, source_path: spec.source}
            build = _step(lang, command, limits, files, stdin="", keep=(), args=())
            build.message["dirs"] = [BUILD_DIR]
        run_files = dict(spec.files) if build else {**spec.files, source_path: spec.source}
        command = lang.run(source_path, spec.limits.memory_mb)
        keep = (BUILD_DIR,) if build else ()
        lease = _Lease(self, build, spec.deadline)
        try:
            compiled = lease.build()
            if compiled is not None and _failed(compiled):
                return TestRuns(compiled, [])
            runs: list[Execution] = []
            for i, stdin in enumerate(stdins):
                if spec.deadline is not None and time.monotonic() >= spec.deadline:
                    break  # nobody waits for the rest
                limits = _until(spec.limits, spec.deadline)
                step = _step(lang, command, limits, run_files, stdin, keep, spec.args)
                execution = lease.execute(step)
                go_on = keep_going is None or keep_going(i, execution)
                runs.append(kept(spec, execution))
                if not go_on:
                    break
            return TestRuns(compiled, runs)
        finally:
            lease.release()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for box in idle:
            box.destroy()

    # ------------------------------------------------------------ checkout

    def _acquire(self, *, new_only: bool = False) -> Sandbox:
        """An idle sandbox that is still alive, else a new one once the pool has room."""
        while True:
            box: Sandbox | None = None
            with self._cond:
                while True:
                    if self._closed:
                        raise SandboxUnavailable(f"the {self.name} sandbox pool is closed")
                    if self._idle and not new_only:
                        box = self._idle.pop()
                        break
                    if self._count < self.size:
                        self._count += 1
                        break
                    self._cond.wait()
            if box is None:
                return self._start_counted()
            if box.alive():
                return box
            self._discard(box, "died while idle")

    def _start_counted(self) -> Sandbox:
        try:
            return self._start_sandbox()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, box: Sandbox, *, healthy: bool) -> None:
        if not healthy:
            self._discard(box, "anomaly")
            return
        if box.runs >= self.recycle_after:
            self._discard(box, "recycle_after")
            return
        with self._cond:
            if not self._closed:
                self._idle.append(box)
                self._cond.notify()
                return
        self._discard(box, "closed")

    def _discard(self, box: Sandbox, reason: str) -> None:
        with self._cond:
            self._count -= 1
            self.recycled[reason] = self.recycled.get(reason, 0) + 1
            self._cond.notify()
        # Destroying a container takes a while; the caller's answer does not wait for it.
        threading.Thread(target=box.destroy, name="sandbox-destroy", daemon=True).start()


class _Lease:
    """The sandbox one item uses, swapped for a fresh (and re-compiled) one when it goes."""

    def __init__(self, backend: PooledBackend, build: _Step | None, deadline: float | None) -> None:
        self._backend = backend
        self._build = build
        self._deadline = deadline
        self._box: Sandbox | None = None

    def build(self) -> Execution | None:
        return None if self._build is None else self._request(self._build)

    def execute(self, step: _Step) -> Execution:
        return self._request(step)

    def _sandbox_for(self, step: _Step) -> Sandbox:
        if self._box is None:
            self._box = self._backend._acquire()
            if self._build is not None and step is not self._build:
                # The compiled program went with the last sandbox: compile it again here,
                # within the time left now.
                rebuilt = self._request(_cut(self._build, self._deadline))
                if _failed(rebuilt):
                    raise RecompileFailed(rebuilt)
                if self._box is None:  # the rebuild itself lost the sandbox
                    raise SandboxError("the sandbox was lost while recompiling")
        return self._box

    def _request(self, step: _Step) -> Execution:
        """Run ``step``; retry once on a fresh sandbox if the program could not start."""
        for attempt in range(2):
            box = self._sandbox_for(step)
            timeout_s = step.limits.wall_time_s + self._backend.host_margin_s
            started = time.monotonic()
            report = box.request(step.message, timeout_s)
            box.runs += 1
            if report is None:
                # Hung or dead: the program is judged on what it did, the sandbox goes.
                lost = _lost(box, time.monotonic() - started, timeout_s)
                self._drop("lost")
                return lost
            if report.get("error"):
                # Nothing ran (a failed fork, exec or wipe): not the program's verdict.
                self._drop(str(report.get("anomaly") or "start failed"))
                if attempt == 0:
                    continue
                raise SandboxError(f"the sandbox could not start the program: {report['error']}")
            if report.get("anomaly"):
                self._drop(str(report["anomaly"]))
            return _execution(report, step)
        raise AssertionError("unreachable")

    def _drop(self, reason: str) -> None:
        if self._box is not None:
            self._backend._discard(self._box, reason)
            self._box = None

    def release(self) -> None:
        if self._box is not None:
            self._backend._release(self._box, healthy=True)
            self._box = None


def sandbox_uid() -> int:
    """A fresh uid for one sandbox's programs. RLIMIT_NPROC counts processes per uid across
    the whole host, so no two sandboxes may share one."""
    return 100_000 + secrets.randbelow(1 << 30)


def _until(limits: Limits, deadline: float | None) -> Limits:
    """``limits`` cut to the time left before ``deadline`` (a few ms at least)."""
    if deadline is None:
        return limits
    return limits.within(max(deadline - time.monotonic(), 0.01))


def _step(
    lang: Language,
    command: Command,
    limits: Limits,
    files: Mapping[str, str],
    stdin: str,
    keep: tuple[str, ...],
    args: tuple[str, ...],
) -> _Step:
    memory_bytes = limits.memory_mb * MB if command.address_space_limited else None
    message = {
        "files": dict(files),
        "dirs": [],
        "keep": list(keep),
        "argv": [*command.argv, *args],
        "env": PROGRAM_ENV,
        "stdin": stdin,
        "wall_time_s": limits.wall_time_s,
        "cpu_time_s": limits.cpu_limit_s,
        "memory_bytes": memory_bytes,
        "nproc": limits.pids,
        "file_size_bytes": limits.file_size_bytes,
        "stack_bytes": min(STACK_BYTES, memory_bytes or STACK_BYTES),
        "output_bytes": limits.output_bytes,
    }
    return _Step(message, limits, lang, command.address_space_limited)


def _cut(step: _Step, deadline: float | None) -> _Step:
    """``step`` with its time limits cut to the time left before ``deadline``."""
    limits = _until(step.limits, deadline)
    if limits is step.limits:
        return step
    message = {**step.message, "wall_time_s": limits.wall_time_s, "cpu_time_s": limits.cpu_limit_s}
    return _Step(message, limits, step.lang, step.address_space_limited)


def _failed(execution: Execution) -> bool:
    return execution.exit_code != 0 or execution.signal is not None or execution.timed_out


def _execution(report: dict[str, Any], step: _Step) -> Execution:
    stderr = _decode(report.get("stderr_b64", ""))
    exit_code, signal = report.get("exit_code"), report.get("signal")
    timed_out = bool(report.get("timed_out")) or bool(report.get("cpu_exceeded"))
    failed = exit_code != 0 or signal is not None
    maxrss_kb = int(report.get("maxrss_kb") or 0)
    cap = step.limits.memory_mb * MB
    near_limit = maxrss_kb * 1024 >= MEMORY_NEAR_LIMIT * cap
    # The cgroup's OOM killer; a process measured over the limit, killed or not (memory no
    # flag or rlimit caps: a runtime's off-heap buffers, a child process); or the runtime's
    # own out-of-memory failure under its cap. A program can print a marker to fake the
    # last: that only renames its failure.
    memory_exceeded = (
        bool(report.get("oom_kills"))
        or maxrss_kb * 1024 > cap
        or (
            failed
            and not timed_out
            and (
                any(marker in stderr for marker in step.lang.memory_markers)
                or (step.address_space_limited and near_limit)
            )
        )
    )
    return Execution(
        exit_code=exit_code,
        stdout=_decode(report.get("stdout_b64", "")),
        stderr=stderr,
        duration_s=float(report.get("duration_s", 0.0)),
        signal=signal,
        timed_out=timed_out,
        memory_exceeded=memory_exceeded,
        output_exceeded=bool(report.get("output_exceeded")),
        cpu_time_s=float(report.get("cpu_s", 0.0)),
        memory_kb=maxrss_kb,
    )


def _lost(box: Sandbox, elapsed_s: float, timeout_s: float) -> Execution:
    text = box.diagnostics()
    return Execution(
        exit_code=None,
        stdout="",
        stderr="sandbox runner ended without a report" + (f": {text[-500:]}" if text else ""),
        duration_s=elapsed_s,
        timed_out=elapsed_s >= timeout_s,
        memory_exceeded=box.memory_killed(),
    )


def _decode(b64: str) -> str:
    try:
        return base64.b64decode(b64, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError, TypeError):
        return ""


def encode_request(message: Mapping[str, Any]) -> bytes:
    """One request line (JSON escapes every newline inside strings)."""
    return json.dumps(message).encode("utf-8") + b"\n"


def decode_report(line: bytes) -> dict[str, Any] | None:
    """A runner's report line, or None if it is not one."""
    try:
        report: Any = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return report if isinstance(report, dict) else None
