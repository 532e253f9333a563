"""Referee's verifiers: pure functions from a completion and its ground truth to a verdict.

``grade`` judges a math answer; ``IsolatedPool`` runs any of them under a hard deadline
in killable child processes. Code helpers are in ``referee_verifiers.code``.
"""

from referee_verifiers.deadline import (
    IsolatedPool,
    grade_with_deadline,
    submit_grade,
    verdict_for_error,
)
from referee_verifiers.math import (
    grade,
    grade_cheap,
    grade_prepared,
    prepare_gold,
    prepare_gold_cheap,
)
from referee_verifiers.verdict import Verdict

__all__ = [
    "IsolatedPool",
    "Verdict",
    "grade",
    "grade_cheap",
    "grade_prepared",
    "grade_with_deadline",
    "prepare_gold",
    "prepare_gold_cheap",
    "submit_grade",
    "verdict_for_error",
]
