"""A real Referee listening on a loopback port, run by uvicorn in a background thread.

The sync client, veRL's functions and the torch helper open real sockets, so they are
tested against this instead of an ASGI transport. The e2e retry test imports it too.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from tests.support import free_port


@contextlib.contextmanager
def serve_in_thread(app: FastAPI, *, within_s: float = 30.0) -> Iterator[str]:
    """Run ``app`` (lifespan included) on a free port; yields its base URL."""
    port = free_port()
    # No websockets (unused, and importing them warns); uvicorn skips signal handlers
    # outside the main thread, so stopping is `should_exit`.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="none", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="referee-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + within_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Referee test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
