"""How long a GRPO-shaped batch takes through the public API, embedded vs through Redis.

Starts real `referee serve` processes (and a real Redis and `referee worker` for the Redis
mode), posts fixed batches, and reports median and p95 latency and items per second.
Writes bench/results/score_throughput.json and prints a table.

    .venv/bin/python bench/score_throughput.py [--repeats 5] [--skip-code]

Batches (fixed, seeded):
  math-grpo: 32 prompts x 16 completions sharing a gold per prompt (512 items)
  code-io:   16 python programs x 3 stdin/stdout tests (48 sandbox runs)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import RedisServer, free_port, wait_for_port  # noqa: E402

REFEREE = str(Path(sys.executable).with_name("referee"))
RESULTS = ROOT / "bench" / "results" / "score_throughput.json"


def math_batch(seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = []
    for _ in range(32):
        num, den = rng.randint(1, 50), rng.randint(2, 60)
        gold = f"\\frac{{{num}}}{{{den}}}"
        for c in range(16):
            answer = rng.choice(
                [gold, f"{num}/{den}", f"{num + 1}/{den}", str(round(num / den, 3))]
            )
            completion = f"Let me work through it step {c}... so the answer is \\boxed{{{answer}}}."
            items.append({"kind": "math", "completion": completion, "gold": gold})
    return items


def code_batch() -> list[dict[str, Any]]:
    tests = [{"stdin": f"{a} {b}\n", "stdout": f"{a + b}\n"} for a, b in [(1, 2), (5, 7), (-3, 3)]]
    programs = [
        "a, b = map(int, input().split())\nprint(a + b)",
        "print(sum(map(int, input().split())))",
    ]
    return [{"kind": "code", "completion": programs[i % 2], "tests": tests} for i in range(16)]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [REFEREE, *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(url: str, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {within_s} s")


def measure(url: str, items: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    body = {"items": items, "options": {"timeout_s": 300}}
    httpx.post(f"{url}/v1/score", json=body, timeout=600).raise_for_status()  # warm-up
    times = []
    statuses: dict[str, int] = {}
    for _ in range(repeats):
        started = time.perf_counter()
        response = httpx.post(f"{url}/v1/score", json=body, timeout=600)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
        for r in response.json()["results"]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    times.sort()
    median = statistics.median(times)
    return {
        "items": len(items),
        "median_s": round(median, 4),
        "p95_s": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4),
        "items_per_s": round(len(items) / median, 1),
        "statuses": statuses,
    }


def run_mode(mode: str, batches: dict[str, list[dict[str, Any]]], repeats: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    procs = []
    redis = None
    env: dict[str, str] = {}
    if mode == "redis":
        redis = RedisServer()
        redis.start()
        env = {"REDIS_URL": redis.url}
        procs.append(start(["worker"], env))
    procs.append(start(["serve", "--port", str(port)], env))
    try:
        wait_for_port(port, within_s=60)
        wait_ready(url)
        return {name: measure(url, items, repeats) for name, items in batches.items()}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        if redis is not None:
            redis.stop()


def git_sha() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-code", action="store_true", help="math only (no Docker needed)")
    args = parser.parse_args()
    batches = {"math-grpo": math_batch()}
    if not args.skip_code:
        batches["code-io"] = code_batch()
    results = {mode: run_mode(mode, batches, args.repeats) for mode in ("embedded", "redis")}
    report = {
        "benchmark": "score_throughput",
        "git_sha": git_sha(),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "settings": "defaults (REFEREE_* unset)",
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'mode':<10} {'batch':<10} {'items':>6} {'median s':>9} {'p95 s':>8} {'items/s':>9}")
    for mode, by_batch in results.items():
        for name, row in by_batch.items():
            print(
                f"{mode:<10} {name:<10} {row['items']:>6} {row['median_s']:>9} "
                f"{row['p95_s']:>8} {row['items_per_s']:>9}"
            )
    redis_vs_embedded = {
        name: round(results["redis"][name]["median_s"] / results["embedded"][name]["median_s"], 2)
        for name in batches
    }
    print(f"redis/embedded median ratio: {redis_vs_embedded}")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
