"""Real `referee serve` and `referee worker` processes for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import free_port

REFEREE = str(Path(sys.executable).with_name("referee"))


def referee_env(**settings: str) -> dict[str, str]:
    """The environment minus the developer's Referee settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFEREE_")}
    env.pop("REDIS_URL", None)
    env["REFEREE_LOG_FORMAT"] = "text"
    return {**env, **settings}


class RefereeProcess:
    """One `referee` process; its stderr goes to ``log_path`` for post-mortems."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RefereeProcess:
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the fd
            self._proc = subprocess.Popen(
                [REFEREE, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def signal(self, sig: signal.Signals) -> None:
        assert self._proc is not None
        self._proc.send_signal(sig)

    def wait(self, within_s: float) -> int:
        assert self._proc is not None
        return self._proc.wait(timeout=within_s)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Api(RefereeProcess):
    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port)], env, log_path)

    def wait_ready(self, within_s: float = 60) -> None:
        """Until /readyz says ready (a worker with a sandbox has reported)."""
        self._wait_for("/readyz", within_s)

    def wait_healthy(self, within_s: float = 60) -> None:
        """Until /healthz answers (deployments without a sandbox are never "ready")."""
        self._wait_for("/healthz", within_s)

    def _wait_for(self, path: str, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"referee serve exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"referee serve: no 200 from {path} after {within_s} s:\n{self.log()}")
