"""Agreement with the labeled math judgment sets in tests/data/.

- ``math_judgments.jsonl``: Referee's own (tests/data/math_make_judgments.py writes it),
  written alongside the verifier. 881/881.
- ``math_heldout.jsonl``: its first 499 cases were written before reading the verifier,
  its last 121 (notes starting "b2:") after a first round of fixes: realistic RL
  completions and hacking attempts (hedges, substrings, spam), labeled by mathematical
  truth. 483/499 and 119/121 before the fixes each part prompted; 620/620 now.
- ``math_blind3.jsonl``: a third set by a tester who never read the verifier: R1/Qwen-style
  think blocks, answers in displays after "the answer is", numerals in a base, inline
  math without any answer marker, truncated and gaming completions. 485/512 (0.947;
  math-verify 0.935) before the fixes it prompted; 512/512 now. Three cases a careful
  grader could label either way were left out.
- ``math_blind4.jsonl``: a fourth blind set aimed at what the others missed: number words,
  money and units, percents, olympiad answers (congruences, "no solution", functions,
  huge exact numbers), corrections after a box, base-model run-ons inventing the next
  question, Chinese and Russian answers. 572/622 (0.920; math-verify 0.912) before the
  fixes it prompted; 618/622 now. The 4 left: number words in a last sentence with no
  answer marker. Twelve cases a careful grader could label either way were left out.
- ``math_blind5.jsonl``: a fifth blind set on structured answers and real model styles
  (R1/Qwen think blocks, Llama-3, Minerva, GSM8K): matrices and vectors (a scalar factored
  out, ``i, j, k`` form, lists of rows), intervals, inequalities, set-builder sets, tuples,
  equations, several roots, complex numbers, repeating decimals written out, exact values
  with their approximation, choice letters with values, and hedged, empty and truncated
  answers. 526/547 (0.962; math-verify 0.890) before the fixes it prompted, every miss a
  correct answer marked wrong; 547/547 now.
- ``math_blind6.jsonl``: a sixth blind set on what RL policies produce at scale: long think
  traces, intermediate boxes, formatting variants (binomials, gcd, congruences, ordinals,
  clock times, ratios, shapes), unit mistakes, other languages, looping and truncated
  output, gaming. 473/497 (0.952; math-verify 0.919) when measured (after a red team's
  false-positive fixes, before any fix it prompted), with false accepts: ``3:45 AM`` for
  ``3:45 PM`` and ``2:4:3`` for ``2:3:4``; 489/497 now. The 8 left: ``arccot``, SI
  prefixes and unit conversions, "third" for 3, integer ranges (``n > 3`` for ``n \\ge
  4``), a piecewise form of ``x|x|``, "the year 2024".

Each is a regression test now: the minimum is the measured count, so a failure lists the
cases. bench/math_accuracy.py --data FILE compares math-verify on any of them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from referee_verifiers.math import grade

DATA = Path(__file__).resolve().parents[2] / "data"
# Each set, and how many of its cases Referee agrees with (measured).
MIN_AGREEING = {
    "math_judgments.jsonl": 881,
    "math_heldout.jsonl": 620,
    "math_blind3.jsonl": 512,
    "math_blind4.jsonl": 618,
    "math_blind5.jsonl": 547,
    "math_blind6.jsonl": 489,
}
MIN_CASES = 300


def _cases(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(MIN_AGREEING))
def test_the_set_is_large_and_covers_both_directions_of_every_type(name: str) -> None:
    cases = _cases(name)
    assert len(cases) >= MIN_CASES
    assert all({"gold", "completion", "equivalent", "type"} <= set(c) for c in cases)
    share_true = sum(bool(c["equivalent"]) for c in cases) / len(cases)
    assert 0.4 <= share_true <= 0.65, share_true
    directions = Counter((case["type"], case["equivalent"]) for case in cases)
    for kind in {str(case["type"]) for case in cases}:
        if kind == "substring":  # by definition only non-equivalent cases
            continue
        assert directions[(kind, True)] > 0 and directions[(kind, False)] > 0, kind


@pytest.mark.parametrize("name", sorted(MIN_AGREEING))
def test_agreement_with_the_labels(name: str) -> None:
    cases = _cases(name)
    failures = []
    for case in cases:
        verdict = grade(str(case["completion"]), str(case["gold"]))
        if (verdict.status == "correct") != case["equivalent"]:
            failures.append(
                f"#{case['id']} {case['type']}: gold={case['gold']!r} "
                f"extracted={verdict.details.get('extracted')!r} "
                f"rule={verdict.details.get('rule')} label={case['equivalent']} "
                f"({case.get('note', '')})"
            )
    agreeing = len(cases) - len(failures)
    assert agreeing >= MIN_AGREEING[name], f"{agreeing}/{len(cases)} agree:\n" + "\n".join(failures)
