"""What the client costs, and what reward scoring adds to a training step.

Starts a real `referee serve` (embedded queue and workers, math only: no Docker needed) and
measures two things:

1. Client overhead per batch: `RefereeClient.score` (validation into protocol models,
   idempotency key, retry wrapper, typed results) against a raw `httpx.Client.post` of the
   same JSON body with `response.json()`. Median of `--repeats` calls each, per batch size.
2. A GRPO-like step: generate (simulated, `--gen-ms`), score, update (simulated,
   `--update-ms`). Overlap off: score blocks between generation and update. Overlap on
   (`referee_client.torch.TorchReferee.submit`): batch k is scored while batch k+1
   generates. Reported: time scoring adds to a step, median over `--steps` steps.

Writes bench/results/client_overhead.json and prints a table.

    .venv/bin/python bench/client_overhead.py [--repeats 20] [--steps 12]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from score_throughput import REFEREE, git_sha, math_batch  # noqa: E402

from tests.support import free_port, wait_for_port  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "client_overhead.json"


def start_service() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFEREE_")}
    env.pop("REDIS_URL", None)
    env["REFEREE_SANDBOX__BACKEND"] = "none"
    proc = subprocess.Popen(
        [REFEREE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_port(port, within_s=60)
    deadline = time.monotonic() + 60
    # Without a sandbox /readyz is 503 by design; math needs only a worker that reported in.
    while httpx.get(f"{url}/readyz", timeout=2).json().get("workers", 0) < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("no worker reported in within 60 s")
        time.sleep(0.1)
    return proc, url


def median_s(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: connections, grading processes
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def client_overhead(url: str, sizes: list[int], repeats: int) -> dict[str, Any]:
    from referee_client import RefereeClient

    items = math_batch()
    rows: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=300) as raw, RefereeClient(url) as client:
        for size in sizes:
            batch = items[:size]
            body = {"items": batch, "options": {"timeout_s": 300}}

            def raw_post(body: dict[str, Any] = body) -> object:
                response = raw.post("/v1/score", json=body)
                response.raise_for_status()
                return response.json()

            def client_score(batch: list[dict[str, Any]] = batch) -> object:
                return client.score(batch)

            raw_s, client_s = median_s(raw_post, repeats), median_s(client_score, repeats)
            rows[str(size)] = {
                "raw_httpx_ms": round(raw_s * 1000, 2),
                "client_ms": round(client_s * 1000, 2),
                "overhead_ms": round((client_s - raw_s) * 1000, 2),
                "overhead_us_per_item": round((client_s - raw_s) * 1e6 / size, 1),
            }
    return rows


def grpo_step(url: str, size: int, steps: int, gen_s: float, update_s: float) -> dict[str, Any]:
    from referee_client.torch import TorchReferee

    batch = math_batch()[:size]
    with TorchReferee(url) as referee:
        referee.score(batch)  # warm-up

        def step_times(overlap: bool) -> list[float]:
            times = []
            time.sleep(gen_s)  # the first batch's generation
            for _ in range(steps):
                started = time.perf_counter()
                if overlap:
                    pending = referee.submit(batch)
                    time.sleep(gen_s)  # the next batch generates while this one is scored
                    pending.result()
                else:
                    referee.score(batch)
                    time.sleep(gen_s)
                time.sleep(update_s)
                times.append(time.perf_counter() - started)
            return times

        off, on = step_times(overlap=False), step_times(overlap=True)
    base = gen_s + update_s
    return {
        "items_per_step": size,
        "generate_ms": gen_s * 1000,
        "update_ms": update_s * 1000,
        "overlap_off": {
            "step_ms": round(statistics.median(off) * 1000, 2),
            "scoring_adds_ms": round((statistics.median(off) - base) * 1000, 2),
        },
        "overlap_on": {
            "step_ms": round(statistics.median(on) * 1000, 2),
            "scoring_adds_ms": round((statistics.median(on) - base) * 1000, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--gen-ms", type=float, default=200.0)
    parser.add_argument("--update-ms", type=float, default=50.0)
    parser.add_argument("--step-items", type=int, default=256)
    args = parser.parse_args()
    proc, url = start_service()
    try:
        overhead = client_overhead(url, [16, 128, 512], args.repeats)
        step = grpo_step(
            url, args.step_items, args.steps, args.gen_ms / 1000, args.update_ms / 1000
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {
        "benchmark": "client_overhead",
        "git_sha": git_sha(),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "settings": "embedded `referee serve`, REFEREE_SANDBOX__BACKEND=none, math batches",
        "client_overhead": overhead,
        "grpo_step": step,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'items':>6} {'raw httpx ms':>13} {'client ms':>10} {'overhead ms':>12} {'us/item':>8}")
    for size, row in overhead.items():
        print(
            f"{size:>6} {row['raw_httpx_ms']:>13} {row['client_ms']:>10} "
            f"{row['overhead_ms']:>12} {row['overhead_us_per_item']:>8}"
        )
    print(
        f"GRPO-like step ({step['items_per_step']} items, generate {args.gen_ms:g} ms, "
        f"update {args.update_ms:g} ms):"
    )
    for mode in ("overlap_off", "overlap_on"):
        row = step[mode]
        print(
            f"  {mode:<12} step {row['step_ms']:>8} ms   scoring adds {row['scoring_adds_ms']} ms"
        )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
