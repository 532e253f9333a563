"""Service settings: built once at the entry point (CLI) and passed down.

Every setting comes from an environment variable ``REFEREE_<NAME>``; nested groups use
``__`` (``REFEREE_SANDBOX__MEMORY_LIMIT_MB=512``). ``REDIS_URL`` is accepted as well as
``REFEREE_REDIS_URL``. Unset Redis means the embedded in-process queue and workers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, FilePath, RedisDsn, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "REFEREE_"


class MathSettings(BaseModel):
    """Math grading runs in a pool of child processes, each answer under a hard deadline."""

    timeout_s: float = Field(default=5.0, gt=0, description="Hard limit per graded answer.")
    processes: int = Field(default=2, ge=1, description="Grading child processes per worker.")
    memory_limit_mb: int = Field(default=1024, ge=64, description="Address-space cap per child.")


class SandboxSettings(BaseModel):
    """Where and under which limits untrusted code runs."""

    backend: Literal["docker", "bwrap", "none"] = Field(
        default="docker",
        description="`docker` (warm container pool), `bwrap` (bubblewrap, no daemon), or "
        "`none`: every code item answers `sandbox_unavailable`.",
    )
    image: str = Field(default="referee-sandbox:latest", description="Docker sandbox image.")
    bwrap_rootfs: str = Field(
        default="/var/lib/referee/sandbox-rootfs",
        description="bwrap: the sandbox image's file tree (scripts/setup exports it).",
    )
    concurrency: int = Field(default=4, ge=1, description="Programs running at once per worker.")
    pool_size: int = Field(default=4, ge=1, description="Warm sandboxes per worker.")
    recycle_after: int = Field(
        default=500, ge=1, description="Executions before a sandbox is replaced."
    )
    time_limit_s: float = Field(default=5.0, gt=0, description="Wall-time limit per test.")
    cpu_time_limit_s: float | None = Field(
        default=None, gt=0, description="CPU-time limit per test; unset: the wall limit."
    )
    memory_limit_mb: int = Field(default=256, ge=16)
    pids_limit: int = Field(default=64, ge=4)
    output_limit_bytes: int = Field(default=1_000_000, ge=1024)
    file_size_limit_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    cpus: float = Field(default=1.0, gt=0, description="CPUs per warm container (Docker).")
    compile_time_limit_s: float = Field(default=30.0, gt=0)
    compile_memory_limit_mb: int = Field(default=1024, ge=64)


class WorkerSettings(BaseModel):
    """How workers keep their jobs, rescue dead workers' jobs and shut down."""

    heartbeat_s: float = Field(default=5.0, gt=0, description="Heartbeat and job-touch period.")
    reclaim_idle_s: float = Field(
        default=30.0, gt=0, description="A job untouched this long is taken from its worker."
    )
    shutdown_grace_s: float = Field(
        default=20.0, ge=0, description="On SIGTERM, time to finish jobs before handing back."
    )


class Settings(BaseSettings):
    """All settings of the API and of workers."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
        populate_by_name=True,
    )

    redis_url: RedisDsn | None = Field(
        default=None,
        validation_alias=AliasChoices("REFEREE_REDIS_URL", "REDIS_URL", "redis_url"),
        description="Redis for the shared queue; unset runs the embedded in-process queue.",
    )
    max_items: int = Field(default=4096, ge=1, description="Items per request (413 above).")
    max_request_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Request body size (413 above)."
    )
    max_completion_chars: int = Field(
        default=200_000,
        ge=1,
        description="Characters per text field of an item: completion, gold, prompt, test "
        "input/output, test code, prelude, checker (413 above).",
    )
    max_timeout_s: float = Field(default=600.0, gt=0, description="Largest `options.timeout_s`.")
    worker_concurrency: int = Field(default=8, ge=1, description="Jobs in flight per worker.")
    embedded_workers: int = Field(
        default=1, ge=1, description="In-process workers when no Redis is configured."
    )
    math_group_size: int = Field(
        default=64, ge=1, description="Math items sharing one gold per job at most."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = Field(
        default="json", description="`json`: one object per line, with the request id."
    )
    api_keys_file: FilePath | None = Field(
        default=None,
        description="JSON file of API keys to tenants; unset: the service is open (one tenant).",
    )
    max_in_flight: int = Field(
        default=20_000,
        ge=1,
        description="Items a tenant may have in flight (429 above); the keys file may override.",
    )
    idempotency_ttl_s: float = Field(
        default=3600.0, gt=0, description="How long an Idempotency-Key's answer is kept."
    )
    worker: WorkerSettings = WorkerSettings()
    math: MathSettings = MathSettings()
    sandbox: SandboxSettings = SandboxSettings()

    @model_validator(mode="after")
    def _budgets_nest(self) -> Settings:
        if self.sandbox.time_limit_s >= self.max_timeout_s:
            raise ValueError("sandbox.time_limit_s must be below max_timeout_s")
        if self.math.timeout_s >= self.max_timeout_s:
            raise ValueError("math.timeout_s must be below max_timeout_s")
        if self.worker.reclaim_idle_s <= 2 * self.worker.heartbeat_s:
            raise ValueError("worker.reclaim_idle_s must be over twice worker.heartbeat_s")
        return self


def _known_env_names() -> set[str]:
    names = {"REDIS_URL"}
    for name, field in Settings.model_fields.items():
        names.add(f"{ENV_PREFIX}{name.upper()}")
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub in annotation.model_fields:
                names.add(f"{ENV_PREFIX}{name.upper()}__{sub.upper()}")
    return names


def unknown_env_names(environ: Mapping[str, str]) -> list[str]:
    """``REFEREE_*`` variables that match no setting: typos that would otherwise be ignored."""
    known = _known_env_names()
    return sorted(k for k in environ if k.startswith(ENV_PREFIX) and k not in known)


def load_settings() -> Settings:
    """Build settings from the process environment, refusing unknown ``REFEREE_*`` names.

    Call it once, at the entry point; tests build ``Settings(...)`` directly.

    Raises:
        ValueError: a ``REFEREE_*`` variable names no setting.
    """
    unknown = unknown_env_names(os.environ)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}: see README's settings table")
    return Settings()
