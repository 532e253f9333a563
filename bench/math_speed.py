"""Math grading throughput on a GRPO-shaped batch: Referee vs math-verify, same run.

The batch (fixed seed): 256 prompts x 8 completions = 2048 items, mixed answer types
(integers, fractions, decimals, expressions, sets, intervals, tuples, equations, percent,
units), each completion a paragraph of reasoning ending in a boxed answer; per prompt
about half the completions repeat the gold's form, some rewrite it, the rest are wrong.

Measured, each on a fresh cache (warm-up on a batch of another seed is excluded):
  referee-inprocess   prepare_gold once per prompt, grade_prepared per completion
  referee-service     POST /v1/score of the whole batch to create_app(settings) in this
                      process (httpx.ASGITransport, embedded queue, real grading pool)
  math-verify         parse(gold) once per prompt, verify(gold, parse(completion)) each

    .venv/bin/python bench/math_speed.py [--repeats 3] [--processes N]

Writes bench/results/math_speed.json and prints items/s and ratios to math-verify.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "math_speed.json"
PROMPTS, GROUP = 256, 8

Prompt = tuple[str, list[str]]  # gold, completions


def _answer_forms(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """(gold, equivalent rewrites, wrong answers) of a random type."""
    kind = rng.choices(
        ["int", "frac", "dec", "expr", "set", "interval", "tuple", "eq", "pct", "units"],
        weights=[30, 15, 10, 12, 6, 6, 6, 5, 5, 5],
    )[0]
    a, b, c = rng.randint(2, 99), rng.randint(2, 40), rng.randint(1, 9)
    if kind == "int":
        return str(a * b), [f"{a * b}.0", f"{a * b}\\text{{ units}}"], [str(a * b + c), str(a + b)]
    if kind == "frac":
        gold = f"\\frac{{{c}}}{{{b + c}}}"
        return (
            gold,
            [f"{c}/{b + c}", f"\\dfrac{{{2 * c}}}{{{2 * (b + c)}}}"],
            [f"\\frac{{{b + c}}}{{{c}}}", f"{c + 1}/{b + c}"],
        )
    if kind == "dec":
        return (
            f"{a}.{c}5",
            [f"{a}.{c}50", f"\\frac{{{a * 100 + c * 10 + 5}}}{{100}}"],
            [f"{a}.{c}", f"{a + 1}.{c}5"],
        )
    if kind == "expr":
        gold = f"{c}x^2+{c * b}x"
        return gold, [f"{c}x(x+{b})", f"x({c}x+{c * b})"], [f"{c}x^2+{b}x", f"{c}x(x-{b})"]
    if kind == "set":
        return (
            f"\\{{{a}, {b}\\}}",
            [f"{b}, {a}", f"\\{{{b},{a}\\}}"],
            [f"\\{{{a}\\}}", f"{a}, {b + 1}"],
        )
    if kind == "interval":
        lo, hi = sorted((a, a + b))
        return (
            f"[{lo}, {hi})",
            [f"[{lo},{hi})", f"{lo} \\le x < {hi}"],
            [f"({lo}, {hi}]", f"[{lo}, {hi}]"],
        )
    if kind == "tuple":
        return (
            f"({a}, {-c})",
            [f"\\left({a},{-c}\\right)", f"({a}, -{c})"],
            [f"({-c}, {a})", f"({a}, {c})"],
        )
    if kind == "eq":
        return (
            f"y = {c}x + {b}",
            [f"{2 * c}x + {2 * b} = 2y", f"y - {c}x = {b}"],
            [f"y = {c}x - {b}", f"y = {b}x + {c}"],
        )
    if kind == "pct":
        return (
            f"{a}\\%",
            [f"{a}", f"0.{a:02d}" if a < 100 else str(a / 100)],
            [f"{a + 1}\\%", f"{a / 1000}"],
        )
    return f"{a}", [f"{a}\\text{{ cm}}", f"{a} meters"], [f"{a + 10}\\text{{ cm}}", f"{a * 10}"]


def _completion(rng: random.Random, answer: str) -> str:
    steps = " ".join(
        f"Step {i}: we have ${rng.randint(2, 99)} + {rng.randint(2, 99)} = {rng.randint(2, 199)}$"
        f" and simplify the expression again."
        for i in range(rng.randint(6, 14))
    )
    return (
        f"Let's solve this carefully. {steps}\n\n"
        f"Therefore, the final answer is $\\boxed{{{answer}}}$."
    )


def make_batch(seed: int) -> list[Prompt]:
    rng = random.Random(seed)
    batch = []
    for _ in range(PROMPTS):
        gold, same, wrong = _answer_forms(rng)
        answers = rng.choices(
            [gold, *same, *wrong], weights=[8, 2, 2, *([3] * len(wrong))], k=GROUP
        )
        batch.append((gold, [_completion(rng, a) for a in answers]))
    return batch


def clear_referee_caches() -> None:
    from referee_verifiers.math._parse import as_expression, parse_answer
    from referee_verifiers.math.compare import compare_cached
    from referee_verifiers.math.grade import prepare_gold

    for cached in (parse_answer, as_expression, compare_cached, prepare_gold):
        cached.cache_clear()


def run_referee(batch: list[Prompt]) -> list[bool]:
    from referee_verifiers.math import grade_prepared, prepare_gold

    out: list[bool] = []
    for gold, completions in batch:
        prepared = prepare_gold(gold)
        out.extend(grade_prepared(prepared, c).status == "correct" for c in completions)
    return out


def run_math_verify(batch: list[Prompt]) -> list[bool]:
    from math_verify import parse, verify  # type: ignore[import-untyped]

    out: list[bool] = []
    for gold, completions in batch:
        parsed_gold = parse(f"${gold}$") or parse(gold)
        out.extend(bool(verify(parsed_gold, parse(c))) for c in completions)
    return out


def measure_service(batch: list[Prompt], processes: int, repeats: int) -> dict[str, Any]:
    """POST the batch to a live embedded app (one warm-up post, then ``repeats`` timed)."""
    import httpx
    from asgi_lifespan import LifespanManager
    from referee_service.app import create_app
    from referee_service.settings import MathSettings, SandboxSettings, Settings

    settings = Settings(
        sandbox=SandboxSettings(backend="none"),
        math=MathSettings(processes=processes),
        max_items=len(batch) * GROUP,
        max_request_bytes=64_000_000,
        log_level="WARNING",
    )
    items = [{"kind": "math", "completion": c, "gold": gold} for gold, cs in batch for c in cs]
    body = {"items": items, "options": {"timeout_s": 300}}

    async def run() -> dict[str, Any]:
        async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=600
            ) as client:

                async def post() -> list[bool]:
                    response = await client.post("/v1/score", json=body)
                    response.raise_for_status()
                    return [r["status"] == "correct" for r in response.json()["results"]]

                await post()  # the pool's children start and warm up
                times, verdicts = [], []
                for _ in range(repeats):
                    started = time.perf_counter()
                    verdicts = await post()
                    times.append(time.perf_counter() - started)
                return _row(times, verdicts)

    return asyncio.run(run())


def _row(times: list[float], verdicts: list[bool]) -> dict[str, Any]:
    median = statistics.median(times)
    return {
        "items": len(verdicts),
        "median_s": round(median, 4),
        "max_s": round(max(times), 4),
        "items_per_s": round(len(verdicts) / median, 1),
        "correct": sum(verdicts),
        "_verdicts": verdicts,
    }


def timed(fn: Callable[[], list[bool]], repeats: int, before: Callable[[], None]) -> dict[str, Any]:
    times: list[float] = []
    verdicts: list[bool] = []
    for _ in range(repeats):
        before()
        started = time.perf_counter()
        verdicts = fn()
        times.append(time.perf_counter() - started)
    return _row(times, verdicts)


def git_sha() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="service grading processes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    batch, warmup = make_batch(seed=11), make_batch(seed=12)
    run_referee(warmup[:32])  # imports and parser tables, not measured
    run_math_verify(warmup[:32])
    clear = clear_referee_caches
    results = {
        "referee-inprocess": timed(lambda: run_referee(batch), args.repeats, clear),
        "referee-service": measure_service(batch, args.processes, args.repeats),
        "math-verify": timed(lambda: run_math_verify(batch), args.repeats, lambda: None),
    }
    reference = results["math-verify"]["_verdicts"]
    for row in results.values():
        verdicts = row.pop("_verdicts")
        row["agrees_with_math_verify"] = round(
            sum(a == b for a, b in zip(verdicts, reference, strict=False)) / len(reference), 4
        )
    base = results["math-verify"]["items_per_s"]
    ratios = {name: round(row["items_per_s"] / base, 2) for name, row in results.items()}
    report = {
        "benchmark": "math_speed",
        "git_sha": git_sha(),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "math_verify": version("math-verify"),
        "batch": f"{PROMPTS} prompts x {GROUP} completions, seed 11",
        "repeats": args.repeats,
        "settings": {"service_math_processes": args.processes, "referee_caches": "cleared per run"},
        "results": results,
        "ratio_to_math_verify": ratios,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'grader':<18} {'items':>6} {'median s':>9} {'items/s':>9} {'x math-verify':>14}")
    for name, row in results.items():
        print(
            f"{name:<18} {row['items']:>6} {row['median_s']:>9} {row['items_per_s']:>9} "
            f"{ratios[name]:>14}"
        )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
