"""The docker-compose.yml stack driven from Python, for tests/e2e and bench/load.py.

Each stack is its own compose project (unique name, own network and Redis volume, own host
port), so runs do not collide with each other or with a developer's `docker compose up`.
Images are built once by scripts/compose-images; `up` never builds (`--no-build`).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_IMAGES = ROOT / "scripts" / "compose-images"


def docker_unavailable() -> str | None:
    """Why Docker cannot be used here, or None when the engine answers."""
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    proc = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return f"the Docker engine does not answer: {proc.stderr.strip()[-300:]}"
    return None


def build_images(timeout_s: float = 900) -> None:
    """Build (or confirm up to date) every image of docker-compose.yml on the local base."""
    proc = subprocess.run(
        [str(COMPOSE_IMAGES)], capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/compose-images failed:\n{proc.stderr[-4000:]}")


@dataclass
class ComposeStack:
    """One compose project of docker-compose.yml (plus optional override files)."""

    project: str = field(default_factory=lambda: f"referee-e2e-{uuid.uuid4().hex[:8]}")
    port: int = field(default_factory=free_port)
    overrides: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def compose(self, *args: str, timeout_s: float = 300) -> str:
        files = [a for f in [COMPOSE_FILE, *self.overrides] for a in ("-f", str(f))]
        # Only what compose interpolates: no REFEREE_* from the caller leaks into the stack.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFEREE_")}
        env |= {"REFEREE_PORT": str(self.port), **self.env}
        proc = subprocess.run(
            ["docker", "compose", "-p", self.project, *files, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"docker compose {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
        return proc.stdout

    def up(self, workers: int) -> None:
        """Start (or rescale to) ``workers`` workers; returns once the API is ready."""
        self.compose("up", "-d", "--no-build", "--scale", f"worker={workers}")
        self.wait_ready(workers)

    def wait_ready(self, workers: int, within_s: float = 120) -> dict[str, Any]:
        """Poll /readyz until it is 200 and reports ``workers`` live workers."""
        deadline = time.monotonic() + within_s
        last: object = "no answer yet"
        while time.monotonic() < deadline:
            try:
                resp = httpx.get(f"{self.base_url}/readyz", timeout=5)
                body: dict[str, Any] = resp.json()
                if resp.status_code == 200 and body.get("workers") == workers:
                    return body
                last = body
            except (httpx.HTTPError, ValueError) as exc:
                last = exc
            time.sleep(0.5)
        raise TimeoutError(
            f"/readyz not ready with {workers} workers after {within_s} s: {last}\n{self.logs()}"
        )

    def logs(self, tail: int = 40) -> str:
        try:
            return self.compose("logs", "--no-color", "--tail", str(tail), timeout_s=30)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return f"(no logs: {exc})"

    def down(self) -> None:
        """Remove containers, network and the Redis volume; safe to call twice."""
        self.compose("down", "-v", "--remove-orphans", "--timeout", "10", timeout_s=120)


# --- a mixed batch whose verdicts are known ---------------------------------------------

ADD_PROGRAM = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
SUB_PROGRAM = "```python\na, b = map(int, input().split())\nprint(a - b)\n```"  # wrong
ADD_FUNCTION = "def add(a, b):\n    return a + b"
CRASHING_PROGRAM = "```python\nraise SystemExit(3)\n```"


def _math(rng: random.Random) -> tuple[dict[str, Any], str]:
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    gold = f"\\frac{{{a}}}{{{b}}}"
    if rng.random() < 0.5:
        return {"kind": "math", "completion": f"so \\boxed{{{a}/{b}}}", "gold": gold}, "correct"
    return {"kind": "math", "completion": f"so \\boxed{{{a + b}/{b}}}", "gold": gold}, "incorrect"


def _stdio(rng: random.Random) -> tuple[dict[str, Any], str]:
    a, b = rng.randint(-50, 50), rng.randint(1, 50)
    tests = [{"stdin": f"{a} {b}\n", "stdout": f"{a + b}\n"}, {"stdin": "2 2\n", "stdout": "4\n"}]
    program, status = rng.choice(
        [(ADD_PROGRAM, "correct"), (SUB_PROGRAM, "incorrect"), (CRASHING_PROGRAM, "runtime_error")]
    )
    return {"kind": "code", "language": "python", "completion": program, "tests": tests}, status


def _asserts(rng: random.Random) -> tuple[dict[str, Any], str]:
    a = rng.randint(0, 99)
    good = rng.random() < 0.5
    expected = a + 1 if good else a + 2
    item = {
        "kind": "code",
        "language": "python",
        "completion": ADD_FUNCTION,
        "test_code": f"assert add({a}, 1) == {expected}",
        "entry_point": "add",
    }
    return item, "correct" if good else "incorrect"


def mixed_batch(
    n: int, seed: int = 0, code_share: float = 0.25
) -> tuple[list[dict[str, Any]], list[str]]:
    """``n`` items (math, stdin/stdout code, assert code) and the status each must get.

    ``code_share`` of the items are code, half of them stdin/stdout and half asserts;
    the rest are math. Each item's id is its index, so results can be matched back.
    """
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    expected: list[str] = []
    for i in range(n):
        roll = rng.random()
        make = _math if roll >= code_share else _stdio if roll < code_share / 2 else _asserts
        item, status = make(rng)
        items.append({"id": str(i), **item})
        expected.append(status)
    return items, expected
