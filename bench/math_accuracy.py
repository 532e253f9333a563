"""Agreement with labeled math judgments: Referee's verifier vs Hugging Face's math-verify.

Both grade every case of tests/data/math_judgments.jsonl (gold, completion, equivalent), or of
another judgment file given with --data (e.g. the held-out tests/data/math_heldout.jsonl);
agreement is the share of cases where a grader says "correct" exactly when the label says
equivalent. Prints agreement overall and per answer type, lists the disagreements, and
writes bench/results/math_accuracy.json (math_accuracy_<name>.json for --data math_<name>.jsonl).

    .venv/bin/python bench/math_accuracy.py [--show 40] [--data tests/data/math_heldout.jsonl]

math-verify is called as its README shows: ``verify(parse(gold), parse(completion))``,
with the gold wrapped in ``$...$`` so its LaTeX extractor sees it (a bare gold string
without delimiters parses to nothing), falling back to the bare gold when that is empty.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import warnings
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "math_judgments.jsonl"
RESULTS = ROOT / "bench" / "results" / "math_accuracy.json"


def load_cases(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    # a file without ids is numbered by line, so disagreements can still be found in it
    return [{"id": n} | json.loads(line) for n, line in enumerate(lines)]


def shown(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def results_path(data: Path) -> Path:
    """The development set keeps its historic name; another set gets its own file."""
    if data.resolve() == DATA:
        return RESULTS
    name = data.stem.removeprefix("math_")
    return RESULTS.with_name(f"math_accuracy_{name}.json")


def referee_says(case: dict[str, Any]) -> bool:
    from referee_verifiers.math import grade

    return grade(case["completion"], case["gold"]).status == "correct"


def math_verify_gold(gold: str) -> list[Any]:
    from math_verify import parse  # type: ignore[import-untyped]

    parsed: list[Any] = parse(f"${gold}$") or parse(gold)
    return parsed


def math_verify_says(case: dict[str, Any]) -> bool:
    from math_verify import parse, verify

    try:
        return bool(verify(math_verify_gold(case["gold"]), parse(case["completion"])))
    except Exception:  # a grader crash is a "not correct", as math-verify itself reports it
        return False


def git_sha() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=60, help="disagreements to print per grader")
    parser.add_argument("--data", type=Path, default=DATA, help="judgment file (jsonl)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    cases = load_cases(args.data)
    out_path = results_path(args.data)
    graders = {"referee": referee_says, "math_verify": math_verify_says}
    agree: dict[str, Counter[str]] = {name: Counter() for name in graders}
    totals: Counter[str] = Counter(case["type"] for case in cases)
    misses: dict[str, list[dict[str, Any]]] = {name: [] for name in graders}
    seconds: dict[str, float] = {}
    for name, says in graders.items():
        started = time.perf_counter()
        for case in cases:
            verdict = says(case)
            if verdict == case["equivalent"]:
                agree[name][case["type"]] += 1
            else:
                misses[name].append({**case, "said_correct": verdict})
        seconds[name] = round(time.perf_counter() - started, 3)

    def share(name: str, kind: str | None = None) -> float:
        if kind is None:
            return round(sum(agree[name].values()) / len(cases), 4)
        return round(agree[name][kind] / totals[kind], 4)

    by_type = {
        kind: {"cases": totals[kind], **{name: share(name, kind) for name in graders}}
        for kind in sorted(totals)
    }
    report = {
        "benchmark": "math_accuracy",
        "git_sha": git_sha(),
        "python": platform.python_version(),
        "math_verify": version("math-verify"),
        "latex2sympy2_extended": version("latex2sympy2_extended"),
        "data": shown(args.data),
        "cases": len(cases),
        "overall": {name: share(name) for name in graders},
        "by_type": by_type,
        "seconds": seconds,
        "disagreements": {
            name: [
                {k: m[k] for k in ("id", "type", "gold", "equivalent", "said_correct")}
                | {"completion": m["completion"][-300:]}
                for m in found
            ]
            for name, found in misses.items()
        },
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")

    print(f"{'type':<14} {'cases':>5} {'referee':>8} {'math-verify':>12}")
    for kind, row in by_type.items():
        print(f"{kind:<14} {row['cases']:>5} {row['referee']:>8.3f} {row['math_verify']:>12.3f}")
    overall = {name: share(name) for name in graders}
    print(
        f"{'overall':<14} {len(cases):>5} {overall['referee']:>8.3f} "
        f"{overall['math_verify']:>12.3f}"
    )
    for name, found in misses.items():
        print(f"\n{name}: {len(found)} disagreements with the labels")
        for m in found[: args.show]:
            said = "correct" if m["said_correct"] else "not correct"
            tail = m["completion"][-70:].replace("\n", " ")
            print(
                f"  #{m['id']:<4} {m['type']:<12} gold={m['gold']!r:<28} said {said:<11} | {tail!r}"
            )
    print(f"\nwrote {out_path.relative_to(ROOT)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
