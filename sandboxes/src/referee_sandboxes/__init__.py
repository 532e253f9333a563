"""Run untrusted programs in sandboxes. Nothing here ever runs code on the host."""

from referee_sandboxes.base import (
    COMPILE_LIMITS,
    Execution,
    KeepGoing,
    Limits,
    RecompileFailed,
    RunSpec,
    SandboxBackend,
    SandboxError,
    SandboxUnavailable,
    TestRuns,
    run_each,
)
from referee_sandboxes.bwrap import BwrapBackend
from referee_sandboxes.docker import DockerBackend
from referee_sandboxes.languages import LANGUAGES, language
from referee_sandboxes.pool import PooledBackend

__all__ = [
    "COMPILE_LIMITS",
    "LANGUAGES",
    "BwrapBackend",
    "DockerBackend",
    "Execution",
    "KeepGoing",
    "Limits",
    "PooledBackend",
    "RecompileFailed",
    "RunSpec",
    "SandboxBackend",
    "SandboxError",
    "SandboxUnavailable",
    "TestRuns",
    "language",
    "run_each",
]
