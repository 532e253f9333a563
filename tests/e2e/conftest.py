"""End-to-end fixtures. Each is self-contained: several suites share this file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

REFEREE = str(Path(sys.executable).with_name("referee"))


@pytest.fixture(scope="module")
def embedded_referee_url() -> Iterator[str]:
    """`referee serve` as a real process on its embedded default (no Redis), no sandbox.

    Math is graded for real; code items would answer `sandbox_unavailable`.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFEREE_") and k != "REDIS_URL"}
    env["REFEREE_SANDBOX__BACKEND"] = "none"
    proc = subprocess.Popen(
        [REFEREE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"`referee serve` exited {proc.returncode}: {stderr[-2000:]}")
            # Without a sandbox /readyz stays 503 by design; ready enough for math is a
            # live queue with a worker that has reported in.
            try:
                if httpx.get(f"{url}/readyz", timeout=2).json().get("workers", 0) > 0:
                    break
            except (httpx.TransportError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("`referee serve` not ready within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
