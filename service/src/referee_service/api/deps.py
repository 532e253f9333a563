"""Dependencies the routes declare by type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from referee_service.judge import Judge
from referee_service.queue import JobQueue
from referee_service.settings import Settings


@dataclass
class Runtime:
    """What the app holds while it runs: built in the lifespan, read by routes."""

    settings: Settings
    queue: JobQueue
    judge: Judge | None  # only when workers run in this process (embedded mode)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
