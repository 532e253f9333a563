"""A scripted sandbox backend: the seam's in-memory twin, for judging logic without Docker."""

from __future__ import annotations

from collections.abc import Callable

from referee_sandboxes import Execution, RunSpec


class ScriptedBackend:
    """Answers each run with ``script(spec)``; records the specs it was given."""

    name = "scripted"

    def __init__(self, script: Callable[[RunSpec], Execution]) -> None:
        self._script = script
        self.specs: list[RunSpec] = []

    def check(self) -> None:
        return None

    def run(self, spec: RunSpec) -> Execution:
        self.specs.append(spec)
        return self._script(spec)

    def close(self) -> None:
        return None


def exited(code: int = 0, stdout: str = "", stderr: str = "", **flags: object) -> Execution:
    return Execution(exit_code=code, stdout=stdout, stderr=stderr, duration_s=0.01, **flags)  # type: ignore[arg-type]
