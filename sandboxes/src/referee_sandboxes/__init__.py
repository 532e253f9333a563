"""Run untrusted programs in sandboxes. Nothing here ever runs code on the host."""

from referee_sandboxes.base import (
    Execution,
    KeepGoing,
    Limits,
    RunSpec,
    SandboxBackend,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
    run_each,
)
from referee_sandboxes.docker import DockerBackend

__all__ = [
    "DockerBackend",
    "Execution",
    "KeepGoing",
    "Limits",
    "RunSpec",
    "SandboxBackend",
    "SandboxError",
    "SandboxUnavailable",
    "TestRuns",
    "run_each",
]
