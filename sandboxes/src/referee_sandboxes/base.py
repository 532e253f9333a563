"""The sandbox backend seam: run one untrusted program once, under limits.

Exceptions raised by backends (translated at the backend's edge; Docker's own exception
types never escape ``docker.py``)::

    SandboxError            the sandbox failed; the program was not judged
     └── SandboxUnavailable no backend can run anything (no engine, no image)

A program that misbehaves (crashes, loops, floods output) is not an exception: it is an
``Execution`` whose fields say what happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable


class SandboxError(Exception):
    """The sandbox failed to run the program; nothing is known about the program."""


class SandboxUnavailable(SandboxError):
    """No sandbox can run programs (engine down, image missing). Never fall back to the host."""


class RecompileFailed(SandboxError):
    """A program that compiled did not compile again on the fresh sandbox that replaced its
    first one mid-item. Its runs so far stand; the rest cannot run. A compile is the
    program's own doing (``#error`` under a condition it can steer), so this is its
    failure, not the sandbox's."""

    def __init__(self, compiled: Execution) -> None:
        super().__init__(f"recompiling on a fresh sandbox failed: {compiled.stderr[-500:]}")
        self.compiled = compiled


@dataclass(frozen=True)
class Limits:
    """Per-execution limits. Units are in the names.

    ``cpu_time_s`` None means the wall limit. ``pids`` caps the program's processes and
    threads (RLIMIT_NPROC under its own uid; the Docker backend's pids cgroup too).
    ``cpus`` is fixed per warm container: the pool's own limits set it, not each run's.
    """

    wall_time_s: float = 5.0
    memory_mb: int = 256
    pids: int = 64
    output_bytes: int = 1_000_000
    cpus: float = 1.0
    cpu_time_s: float | None = None
    file_size_bytes: int = 32 * 1024 * 1024

    @property
    def cpu_limit_s(self) -> float:
        return self.wall_time_s if self.cpu_time_s is None else self.cpu_time_s

    def within(self, seconds: float) -> Limits:
        """These limits with wall and CPU time cut to ``seconds`` where that is less."""
        if self.wall_time_s <= seconds and self.cpu_limit_s <= seconds:
            return self
        return replace(
            self,
            wall_time_s=min(self.wall_time_s, seconds),
            cpu_time_s=min(self.cpu_limit_s, seconds),
        )


# The compile step's limits when a spec names none: compilers need more than programs.
COMPILE_LIMITS = Limits(
    wall_time_s=30.0, memory_mb=1024, pids=128, output_bytes=100_000, cpu_time_s=30.0
)


@dataclass(frozen=True)
class RunSpec:
    """One execution: run ``source`` in ``language`` with ``stdin`` under ``limits``.

    ``files`` are written into the work directory first (name -> text; a checker reads the
    test's input and outputs this way) and ``args`` are passed on the command line.
    ``compile_limits`` bound a compiled language's compile step (None: ``COMPILE_LIMITS``).
    ``output_kept`` False: ``run_tests`` keeps each run's stdout and stderr only until
    ``keep_going`` has seen them (a caller that judges there), so a thousand tests printing
    a megabyte each never sit in memory together. ``deadline``, a ``time.monotonic()``
    instant: no step runs past it (each one's time limits are cut to the time left, and no
    run starts after it), so work nobody waits for any more frees its sandbox.
    """

    language: str
    source: str
    stdin: str = ""
    limits: Limits = field(default_factory=Limits)
    files: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    compile_limits: Limits | None = None
    output_kept: bool = True
    deadline: float | None = None


@dataclass(frozen=True)
class Execution:
    """What happened to one execution.

    ``exit_code`` is None when the program was killed (time, memory) before exiting.
    ``signal`` is the signal number that ended it, if any. Output is decoded as UTF-8 with
    replacement and truncated to the output limit; ``output_exceeded`` says it was.
    ``timed_out`` covers the wall and the CPU-time limit. ``cpu_time_s`` and ``memory_kb``
    (peak resident set) are the program's own usage, when the backend measured them.
    """

    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    signal: int | None = None
    timed_out: bool = False
    memory_exceeded: bool = False
    output_exceeded: bool = False
    cpu_time_s: float | None = None
    memory_kb: int | None = None


@dataclass(frozen=True)
class TestRuns:
    """A program run once per test input: the compile step (if any), then one run each.

    ``compiled`` is the compile step's execution for compiled languages (None otherwise);
    when it failed, ``runs`` is empty. ``runs`` may be shorter than the inputs when the
    caller's ``keep_going`` stopped early.
    """

    __test__ = False  # not a pytest test class

    compiled: Execution | None
    runs: list[Execution]

    @property
    def compile_failed(self) -> bool:
        c = self.compiled
        return c is not None and (c.exit_code != 0 or c.signal is not None or c.timed_out)


# Called after each run with its index and execution; False stops the remaining runs.
KeepGoing = Callable[[int, Execution], bool]


@runtime_checkable
class SandboxBackend(Protocol):
    """Runs untrusted programs. Implementations: ``DockerBackend``; tests also use fakes."""

    name: str

    def check(self) -> None:
        """Raise ``SandboxUnavailable`` (with a message naming the fix) if runs cannot work."""

    def run(self, spec: RunSpec) -> Execution:
        """Run one program to completion or to its limits. Blocking; call from a thread."""

    def run_tests(
        self, spec: RunSpec, stdins: Sequence[str], keep_going: KeepGoing | None = None
    ) -> TestRuns:
        """Run ``spec``'s program once per stdin (``spec.stdin`` is ignored), compiling once.

        Blocking; call from a thread.
        """

    def close(self) -> None:
        """Release everything the backend holds (containers, clients)."""


def run_each(
    backend: SandboxBackend,
    spec: RunSpec,
    stdins: Sequence[str],
    keep_going: KeepGoing | None = None,
) -> TestRuns:
    """``run_tests`` for a backend that can only ``run``: one full execution per input."""
    runs: list[Execution] = []
    for i, stdin in enumerate(stdins):
        if spec.deadline is not None and time.monotonic() >= spec.deadline:
            break  # as ``RunSpec.deadline`` says: no run starts after it
        run = backend.run(replace(spec, stdin=stdin))
        go_on = keep_going is None or keep_going(i, run)
        runs.append(kept(spec, run))
        if not go_on:
            break
    return TestRuns(compiled=None, runs=runs)


def kept(spec: RunSpec, run: Execution) -> Execution:
    """``run`` as ``run_tests`` keeps it under ``spec.output_kept``."""
    return run if spec.output_kept else replace(run, stdout="", stderr="")
