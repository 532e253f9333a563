"""Run untrusted programs in sandboxes. Nothing here ever runs code on the host."""

from referee_sandboxes.base import (
    Execution,
    Limits,
    RunSpec,
    SandboxBackend,
    SandboxError,
    SandboxUnavailable,
)
from referee_sandboxes.docker import DockerBackend

__all__ = [
    "DockerBackend",
    "Execution",
    "Limits",
    "RunSpec",
    "SandboxBackend",
    "SandboxError",
    "SandboxUnavailable",
]
