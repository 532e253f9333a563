"""Several tenants at once against the docker compose stack, for 1, 2 and 4 workers.

Builds the stack's images on the local base (scripts/compose-images), starts one compose
project with an API keys file (one key per tenant), and for each worker count
(`--scale worker=N`) lets every tenant post mixed batches (math, stdin/stdout code, assert
code) in a closed loop for a fixed time. Reports per tenant: items/s, request latency
p50/p99, and queue wait, read from the API's own /metrics gauge
`referee_queue_oldest_job_age_seconds{tenant}` sampled twice a second (mean and max of the
oldest waiting job's age). Every verdict is checked; wrong ones are counted, not hidden.
Writes bench/results/load.json and prints a table.

    .venv/bin/python bench/load.py [--workers 1 2 4] [--tenants 3] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.compose_stack import ComposeStack, build_images, mixed_batch  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "load.json"
KEYS_IN_CONTAINER = "/etc/referee/keys.json"


@dataclass
class TenantRun:
    name: str
    key: str
    latencies_s: list[float] = field(default_factory=list)
    items: int = 0
    wrong: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    queue_age_s: list[float] = field(default_factory=list)


def keys_override(tmp: Path, tenants: list[TenantRun]) -> Path:
    """A compose override that mounts a keys file (one key per tenant) into the API."""
    keys = {t.key: {"tenant": t.name, "max_in_flight": 100_000} for t in tenants}
    (tmp / "keys.json").write_text(json.dumps(keys))
    override = tmp / "keys.override.yml"
    override.write_text(
        json.dumps(  # JSON is YAML
            {
                "services": {
                    "api": {
                        "environment": {"REFEREE_API_KEYS_FILE": KEYS_IN_CONTAINER},
                        "volumes": [f"{tmp / 'keys.json'}:{KEYS_IN_CONTAINER}:ro"],
                    }
                }
            }
        )
    )
    return override


async def tenant_loop(
    client: httpx.AsyncClient, tenant: TenantRun, batch: int, until: float, seed: int
) -> None:
    while time.monotonic() < until:
        items, expected = mixed_batch(batch, seed=seed)
        seed += 1
        start = time.monotonic()
        try:
            resp = await client.post(
                "/v1/score",
                json={"items": items, "options": {"timeout_s": 120}},
                headers={"Authorization": f"Bearer {tenant.key}"},
            )
        except httpx.HTTPError as exc:
            tenant.errors[type(exc).__name__] = tenant.errors.get(type(exc).__name__, 0) + 1
            continue
        if resp.status_code != 200:
            code = str(resp.status_code)
            tenant.errors[code] = tenant.errors.get(code, 0) + 1
            await asyncio.sleep(float(resp.headers.get("Retry-After", "0.5")))
            continue
        tenant.latencies_s.append(time.monotonic() - start)
        tenant.items += len(items)
        got = [r["status"] for r in resp.json()["results"]]
        tenant.wrong += sum(g != e for g, e in zip(got, expected, strict=True))


async def sample_queue_age(
    client: httpx.AsyncClient, tenants: list[TenantRun], until: float
) -> bool:
    """Sample the per-tenant queue age gauge; False when the API has no such metric."""
    by_name = {t.name: t for t in tenants}
    seen = False
    while time.monotonic() < until:
        try:
            resp = await client.get("/metrics")
        except httpx.HTTPError:
            resp = None
        if resp is not None and resp.status_code == 200:
            for family in text_string_to_metric_families(resp.text):
                if family.name == "referee_queue_oldest_job_age_seconds":
                    for sample in family.samples:
                        tenant = by_name.get(sample.labels.get("tenant", ""))
                        if tenant is not None:
                            tenant.queue_age_s.append(sample.value)
                            seen = True
        await asyncio.sleep(0.5)
    return seen


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_load(
    base_url: str, tenants: list[TenantRun], args: argparse.Namespace
) -> tuple[float, bool]:
    limits = httpx.Limits(max_connections=len(tenants) * args.concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=150, limits=limits) as client:
        # Warm-up: every worker's sandboxes and grading processes start before timing.
        for tenant in tenants:
            items, _ = mixed_batch(args.batch, seed=999)
            await client.post(
                "/v1/score",
                json={"items": items},
                headers={"Authorization": f"Bearer {tenant.key}"},
            )
        start = time.monotonic()
        until = start + args.seconds
        loops = [
            tenant_loop(client, t, args.batch, until, seed=1000 * i + j)
            for i, t in enumerate(tenants)
            for j in range(args.concurrency)
        ]
        sampler = asyncio.create_task(sample_queue_age(client, tenants, until))
        await asyncio.gather(*loops)
        elapsed = time.monotonic() - start
        return elapsed, await sampler


def summarize(tenants: list[TenantRun], elapsed: float, have_age: bool) -> dict[str, Any]:
    per_tenant = {}
    for t in tenants:
        per_tenant[t.name] = {
            "requests": len(t.latencies_s),
            "items": t.items,
            "items_per_s": round(t.items / elapsed, 1),
            "p50_s": _round(percentile(t.latencies_s, 0.5)),
            "p99_s": _round(percentile(t.latencies_s, 0.99)),
            "queue_wait_mean_s": _round(statistics.fmean(t.queue_age_s)) if t.queue_age_s else None,
            "queue_wait_max_s": _round(max(t.queue_age_s)) if t.queue_age_s else None,
            "wrong_verdicts": t.wrong,
            "errors": t.errors,
        }
    total = sum(t.items for t in tenants)
    return {
        "elapsed_s": round(elapsed, 1),
        "items_per_s": round(total / elapsed, 1),
        "queue_wait_source": "referee_queue_oldest_job_age_seconds" if have_age else None,
        "tenants": per_tenant,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2, help="Requests in flight per tenant.")
    parser.add_argument("--batch", type=int, default=32, help="Items per request.")
    parser.add_argument("--seconds", type=float, default=30.0, help="Load time per worker count.")
    args = parser.parse_args()

    build_images()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="referee-load-") as tmp:
        names = [f"tenant-{chr(ord('a') + i)}" for i in range(args.tenants)]
        override = keys_override(Path(tmp), [TenantRun(n, f"key-{n}") for n in names])
        stack = ComposeStack(project=f"referee-load-{os.getpid()}", overrides=[override])
        try:
            for workers in args.workers:
                stack.up(workers)
                tenants = [TenantRun(n, f"key-{n}") for n in names]
                elapsed, have_age = asyncio.run(run_load(stack.base_url, tenants, args))
                runs[str(workers)] = summarize(tenants, elapsed, have_age)
                print_run(workers, runs[str(workers)])
        finally:
            stack.down()

    report = {
        "bench": "load",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "params": vars(args),
        "batch_mix": "mixed_batch(code_share=0.25): 75% math, 12.5% stdin/stdout code, "
        "12.5% assert code",
        "runs": runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


def print_run(workers: int, run: dict[str, Any]) -> None:
    print(f"\n{workers} worker(s): {run['items_per_s']} items/s over {run['elapsed_s']} s")
    header = f"  {'tenant':<10} {'items/s':>8} {'p50 s':>7} {'p99 s':>7} {'wait avg':>9} "
    print(header + f"{'wait max':>9} {'wrong':>6}  errors")
    for name, t in run["tenants"].items():
        print(
            f"  {name:<10} {t['items_per_s']:>8} {_fmt(t['p50_s'])} {_fmt(t['p99_s'])} "
            f"{_fmt(t['queue_wait_mean_s'], 9)} {_fmt(t['queue_wait_max_s'], 9)} "
            f"{t['wrong_verdicts']:>6}  {t['errors'] or ''}"
        )


def _fmt(value: float | None, width: int = 7) -> str:
    return f"{'-' if value is None else f'{value:.2f}':>{width}}"


if __name__ == "__main__":
    main()
