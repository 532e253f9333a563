"""The sandbox backend seam: run one untrusted program once, under limits.

Exceptions raised by backends (translated at the backend's edge; Docker's own exception
types never escape ``docker.py``)::

    SandboxError            the sandbox failed; the program was not judged
     └── SandboxUnavailable no backend can run anything (no engine, no image)

A program that misbehaves (crashes, loops, floods output) is not an exception: it is an
``Execution`` whose fields say what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class SandboxError(Exception):
    """The sandbox failed to run the program; nothing is known about the program."""


class SandboxUnavailable(SandboxError):
    """No sandbox can run programs (engine down, image missing). Never fall back to the host."""


@dataclass(frozen=True)
class Limits:
    """Per-execution limits. Units are in the names."""

    wall_time_s: float = 5.0
    memory_mb: int = 256
    pids: int = 64
    output_bytes: int = 1_000_000
    cpus: float = 1.0


@dataclass(frozen=True)
class RunSpec:
    """One execution: run ``source`` in ``language`` with ``stdin`` under ``limits``."""

    language: str
    source: str
    stdin: str = ""
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Execution:
    """What happened to one execution.

    ``exit_code`` is None when the program was killed (time, memory) before exiting.
    ``signal`` is the signal number that ended it, if any. Output is decoded as UTF-8 with
    replacement and truncated to the output limit; ``output_exceeded`` says it was.
    """

    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    signal: int | None = None
    timed_out: bool = False
    memory_exceeded: bool = False
    output_exceeded: bool = False


@runtime_checkable
class SandboxBackend(Protocol):
    """Runs untrusted programs. Implementations: ``DockerBackend``; tests also use fakes."""

    name: str

    def check(self) -> None:
        """Raise ``SandboxUnavailable`` (with a message naming the fix) if runs cannot work."""

    def run(self, spec: RunSpec) -> Execution:
        """Run one program to completion or to its limits. Blocking; call from a thread."""

    def close(self) -> None:
        """Release everything the backend holds (containers, clients)."""
