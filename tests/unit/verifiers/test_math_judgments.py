"""Agreement with the labeled judgment set tests/data/math_judgments.jsonl.

The set is Referee's own (tests/data/math_make_judgments.py writes it); bench/math_accuracy.py
compares the same cases with math-verify. Measured agreement: 881/881 (1.000). The
threshold leaves room for a deliberate trade-off, not for drift: a failure lists the cases.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from referee_verifiers.math import grade

DATA = Path(__file__).resolve().parents[2] / "data" / "math_judgments.jsonl"
MIN_AGREEMENT = 0.99
MIN_CASES = 600


def _cases() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def test_the_set_is_large_and_covers_both_directions_of_every_type() -> None:
    cases = _cases()
    assert len(cases) >= MIN_CASES
    directions = Counter((case["type"], case["equivalent"]) for case in cases)
    for kind in {str(case["type"]) for case in cases}:
        if kind == "substring":  # by definition only non-equivalent cases
            continue
        assert directions[(kind, True)] > 0 and directions[(kind, False)] > 0, kind


def test_agreement_with_the_labels() -> None:
    cases = _cases()
    failures = []
    for case in cases:
        verdict = grade(str(case["completion"]), str(case["gold"]))
        if (verdict.status == "correct") != case["equivalent"]:
            failures.append(
                f"#{case['id']} {case['type']}: gold={case['gold']!r} "
                f"extracted={verdict.details.get('extracted')!r} "
                f"rule={verdict.details.get('rule')} "
                f"label={case['equivalent']}"
            )
    agreement = 1 - len(failures) / len(cases)
    assert agreement >= MIN_AGREEMENT, "\n".join(failures)
