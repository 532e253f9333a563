"""A live Referee on the embedded default (real math grading, no sandbox) for client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from referee_service import Settings, create_app
from referee_service.settings import SandboxSettings

from tests.unit.client.live_server import serve_in_thread


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    """The base URL of a real service (embedded queue and workers, sandbox ``none``)."""
    with serve_in_thread(create_app(Settings(sandbox=SandboxSettings(backend="none")))) as url:
        yield url
