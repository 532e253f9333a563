"""What one sandboxed execution costs: the warm pools against `docker run` and a bare process.

Trivial programs (Python `pass`, an empty C++ `main`), timed on the host around each call:
  host        a bare subprocess on the host (`/usr/bin/python3 -c pass`, the C++ binary)
  pool        the warm pool (Docker, and bubblewrap where it can run), one call at a time
  docker-run  `docker run --rm` per execution, the way the first code path worked
and throughput with several calls at once; then batches through the Docker pool: 256 Python
items x 5 stdin tests, and 64 C++ items x 5 (each compiled once); and the Python batch end
to end through the service (one POST /v1/score on the embedded default). For the Python
batch, `docker run` per execution is measured on a sample and scaled to its 1,280 executions.
Writes bench/results/code_speed.json and prints a table with ratios.

    .venv/bin/python bench/code_speed.py [--runs 200] [--docker-runs 40] [--skip-bwrap]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402
from referee_sandboxes import (  # noqa: E402
    BwrapBackend,
    DockerBackend,
    Execution,
    Limits,
    PooledBackend,
    RunSpec,
    SandboxUnavailable,
)
from referee_service import Settings, create_app  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "code_speed.json"
# The bare baseline: the real interpreter, not a version manager's shim script (`python3` on
# a pyenv PATH is a bash script that costs ~80 ms by itself). Debian's, where present, is
# the same Python 3.11 the sandbox image runs.
HOST_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
IMAGE = "referee-sandbox:latest"
LIMITS = Limits(wall_time_s=5.0, memory_mb=256, pids=64)
PYTHON_PASS = "pass"
CPP_EMPTY = "int main() { return 0; }"
PYTHON_SUM = "print(sum(map(int, input().split())))"
CPP_SUM = "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b; }"


def timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float], parallel: int = 1, wall_s: float | None = None) -> dict[str, Any]:
    ordered = sorted(times)
    total = wall_s if wall_s is not None else sum(times)
    return {
        "runs": len(times),
        "parallel": parallel,
        "mean_ms": round(1000 * statistics.fmean(times), 2),
        "p50_ms": round(1000 * statistics.median(times), 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "executions_per_s": round(len(times) / total, 1),
    }


def check(execution: Execution) -> None:
    if execution.exit_code != 0:
        raise RuntimeError(f"benchmark program failed: {execution}")


def host_runs(runs: int, cpp_binary: Path) -> dict[str, Any]:
    def python() -> None:
        subprocess.run([HOST_PYTHON, "-c", "pass"], check=True)

    def cpp() -> None:
        subprocess.run([str(cpp_binary)], check=True)

    return {"python": summary(timed(python, runs)), "cpp": summary(timed(cpp, runs))}


def pool_runs(backend: PooledBackend, runs: int, parallel: int) -> dict[str, Any]:
    backend.warm()

    def python() -> None:
        check(backend.run(RunSpec("python", PYTHON_PASS, limits=LIMITS)))

    timed(python, 10)  # warm-up: every sandbox has run once
    out = {"python": summary(timed(python, runs))}
    # C++: compiled once, then `runs` executions in the same sandbox; each run's time is
    # the gap between consecutive reports as the host sees them.
    marks: list[float] = []

    def mark(_i: int, execution: Execution) -> bool:
        check(execution)
        marks.append(time.perf_counter())
        return True

    started = time.perf_counter()
    result = backend.run_tests(RunSpec("cpp", CPP_EMPTY, limits=LIMITS), [""] * (runs + 1), mark)
    assert result.compiled is not None
    out["cpp_compile"] = summary([marks[0] - started])
    out["cpp"] = summary([b - a for a, b in itertools.pairwise(marks)])
    # Throughput: `parallel` callers at once, each its own sandbox.
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        started = time.perf_counter()
        times = list(pool.map(lambda _: timed(python, 1)[0], range(runs)))
        out["python_parallel"] = summary(times, parallel, time.perf_counter() - started)
    return out


def docker_run_command(cpp_dir: Path) -> dict[str, list[str]]:
    base = ["docker", "run", "--rm", "--network", "none", "--read-only"]
    return {
        "python": [*base, "--entrypoint", "python3", IMAGE, "-c", "pass"],
        "cpp": [*base, "-v", f"{cpp_dir}:/prog:ro", "--entrypoint", "/prog/empty", IMAGE],
    }


def docker_runs(runs: int, parallel: int, cpp_dir: Path) -> dict[str, Any]:
    commands = docker_run_command(cpp_dir)

    def runner(command: list[str]) -> Callable[[], object]:
        return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    out: dict[str, Any] = {}
    for name, command in commands.items():
        subprocess.run(command, check=True)  # warm-up
        out[name] = summary(timed(runner(command), runs))
    python = runner(commands["python"])
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        started = time.perf_counter()
        times = list(pool.map(lambda _: timed(python, 1)[0], range(runs)))
        out["python_parallel"] = summary(times, parallel, time.perf_counter() - started)
    return out


def batch(
    backend: PooledBackend, lang: str, items: int, tests: int, parallel: int
) -> dict[str, Any]:
    """``items`` distinct correct programs in ``lang``, each judged on ``tests`` stdin tests."""
    stdins = [f"{i} {i * 7}\n" for i in range(tests)]
    wanted = [str(i + i * 7) for i in range(tests)]
    source, comment = (CPP_SUM, "//") if lang == "cpp" else (PYTHON_SUM, "#")

    def item(i: int) -> None:
        # A distinct program per item, as from a policy: nothing is cached across items.
        spec = RunSpec(lang, f"{source}\n{comment} item {i}\n", limits=LIMITS)
        result = backend.run_tests(spec, stdins)
        if [r.stdout.strip() for r in result.runs] != wanted:
            raise RuntimeError(f"batch item {i} failed: {result}")

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        started = time.perf_counter()
        list(pool.map(item, range(items)))
        wall = time.perf_counter() - started
    return {
        "language": lang,
        "items": items,
        "tests_per_item": tests,
        "parallel": parallel,
        "wall_s": round(wall, 2),
        "items_per_s": round(items / wall, 1),
    }


def service_batch(items: int, tests: int) -> dict[str, Any]:
    """The same batch end to end through the service on its embedded default (defaults for
    every setting): one POST /v1/score of ``items`` code items with ``tests`` tests each."""
    stdins = [f"{i} {i * 7}\n" for i in range(tests)]
    body = {
        "items": [
            {
                "kind": "code",
                "language": "python",
                "completion": f"{PYTHON_SUM}\n# item {i}\n",
                "tests": [{"stdin": s, "stdout": f"{i + i * 7}\n"} for i, s in enumerate(stdins)],
            }
            for i in range(items)
        ],
        "options": {"timeout_s": 600},
    }

    async def post() -> float:
        app = create_app(Settings(sandbox={"image": IMAGE}))
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://referee") as c:
                # Warm: the first request starts the pool's sandboxes.
                await c.post("/v1/score", json={"items": body["items"][:1]}, timeout=600)
                started = time.perf_counter()
                response = await c.post("/v1/score", json=body, timeout=900)
                wall = time.perf_counter() - started
        statuses = {r["status"] for r in response.json()["results"]}
        if response.status_code != 200 or statuses != {"correct"}:
            raise RuntimeError(f"service batch failed: {response.status_code} {statuses}")
        return wall

    wall = asyncio.run(post())
    return {
        "items": items,
        "tests_per_item": tests,
        "wall_s": round(wall, 2),
        "items_per_s": round(items / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="executions per pool measurement")
    parser.add_argument("--docker-runs", type=int, default=40, help="`docker run`s per row")
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-items", type=int, default=256)
    parser.add_argument("--skip-bwrap", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cpp_dir = Path(tmp)
        (cpp_dir / "empty.cpp").write_text(CPP_EMPTY)
        subprocess.run(
            ["g++", "-O2", "-static", "-o", str(cpp_dir / "empty"), str(cpp_dir / "empty.cpp")],
            check=True,
        )
        os.chmod(tmp, 0o755)
        results: dict[str, Any] = {"host": host_runs(args.runs, cpp_dir / "empty")}
        docker = DockerBackend(IMAGE, size=args.parallel, limits=LIMITS)
        try:
            results["docker_pool"] = pool_runs(docker, args.runs, args.parallel)
            results["batch_python"] = batch(docker, "python", args.batch_items, 5, args.parallel)
            results["batch_cpp"] = batch(docker, "cpp", args.batch_items // 4, 5, args.parallel)
        finally:
            docker.close()
        if not args.skip_bwrap and shutil.which("bwrap"):
            bwrap = BwrapBackend(size=args.parallel, limits=LIMITS)
            try:
                bwrap.check()
                results["bwrap_pool"] = pool_runs(bwrap, args.runs, args.parallel)
            except SandboxUnavailable as exc:
                results["bwrap_pool"] = {"unavailable": str(exc)}
            finally:
                bwrap.close()
        results["service_batch_python"] = service_batch(args.batch_items, 5)
        results["docker_run"] = docker_runs(args.docker_runs, args.parallel, cpp_dir)

    # `docker run` per execution for the same batch: its executions at the rate `docker run`
    # reached with as many at once (each running only `pass`: a lower bound on its cost).
    batch_row = results["batch_python"]
    executions = batch_row["items"] * batch_row["tests_per_item"]
    per_exec_parallel_s = 1 / results["docker_run"]["python_parallel"]["executions_per_s"]
    batch_row["docker_run_estimate_s"] = round(executions * per_exec_parallel_s, 1)
    service_row = results["service_batch_python"]
    ratios = {
        "pool_python_vs_host_python": _ratio(
            results["docker_pool"]["python"], results["host"]["python"]
        ),
        "pool_cpp_vs_host_cpp": _ratio(results["docker_pool"]["cpp"], results["host"]["cpp"]),
        "pool_cpp_vs_host_python": _ratio(results["docker_pool"]["cpp"], results["host"]["python"]),
        "docker_run_vs_pool_python": _ratio(
            results["docker_run"]["python"], results["docker_pool"]["python"]
        ),
        "docker_run_vs_pool_cpp": _ratio(
            results["docker_run"]["cpp"], results["docker_pool"]["cpp"]
        ),
        "batch_speedup_vs_docker_run": round(
            batch_row["docker_run_estimate_s"] / batch_row["wall_s"], 1
        ),
        "service_batch_speedup_vs_docker_run": round(
            batch_row["docker_run_estimate_s"] / service_row["wall_s"], 1
        ),
    }
    if "python" in results.get("bwrap_pool", {}):
        ratios["bwrap_python_vs_host_python"] = _ratio(
            results["bwrap_pool"]["python"], results["host"]["python"]
        )
    report = {
        "benchmark": "code_speed",
        "git_sha": _git_sha(),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "image": IMAGE,
        "limits": LIMITS.__dict__,
        "results": results,
        "ratios": ratios,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    _print(results, ratios)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


def _ratio(slow: dict[str, Any], fast: dict[str, Any]) -> float:
    return round(float(slow["mean_ms"]) / float(fast["mean_ms"]), 2)


def _print(results: dict[str, Any], ratios: dict[str, float]) -> None:
    print(f"{'how':<12} {'program':<16} {'runs':>5} {'par':>4} {'mean ms':>9} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'exec/s':>8}")  # fmt: skip
    for how, rows in results.items():
        if "batch" in how or "unavailable" in rows:
            continue
        for program, row in rows.items():
            print(
                f"{how:<12} {program:<16} {row['runs']:>5} {row['parallel']:>4} "
                f"{row['mean_ms']:>9} {row['p50_ms']:>8} {row['p95_ms']:>8} "
                f"{row['executions_per_s']:>8}"
            )
    b = results["batch_python"]
    print(
        f"batch: {b['items']} python items x {b['tests_per_item']} tests, pool of "
        f"{b['parallel']}: {b['wall_s']} s ({b['items_per_s']} items/s); `docker run` per "
        f"execution at its measured parallel rate: {b['docker_run_estimate_s']} s"
    )
    sv = results["service_batch_python"]
    print(
        f"service: the same {sv['items']} x {sv['tests_per_item']} batch in one POST /v1/score "
        f"(embedded, default settings): {sv['wall_s']} s ({sv['items_per_s']} items/s)"
    )
    c = results["batch_cpp"]
    print(
        f"batch: {c['items']} C++ items (compiled once each) x {c['tests_per_item']} tests: "
        f"{c['wall_s']} s ({c['items_per_s']} items/s)"
    )
    for name, value in ratios.items():
        print(f"{name:<34} {value:>6}x")


def _git_sha() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
