"""Helpers the tests share: free ports and a real redis-server process."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {within_s} s")


class RedisServer:
    """A real redis-server on a free loopback port.

    Persistence is off unless ``data_dir`` is given: then every write is appended and
    fsynced (``appendfsync always``), so ``restart()`` comes back with the same data, as a
    production Redis with AOF would.
    """

    def __init__(self, data_dir: str | None = None) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._data_dir = data_dir
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run scripts/setup")
        persistence = ["--appendonly", "no"]
        if self._data_dir is not None:
            persistence = ["--appendonly", "yes", "--appendfsync", "always"]
            persistence += ["--dir", self._data_dir]
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, within_s=10)

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None

    def flush(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "FLUSHALL"], check=True, capture_output=True
        )
