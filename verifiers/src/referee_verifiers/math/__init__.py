"""Math answers: extract the final answer, compare it with gold, grade.

``grade(completion, gold)`` for one item; for a GRPO group sharing one gold,
``prepare_gold(gold)`` once and ``grade_prepared(prepared, completion)`` per completion
(``grade_cheap`` first, with ``prepare_gold_cheap``, where sympy should stay out of the
calling process).
"""

from referee_verifiers.math.compare import compare
from referee_verifiers.math.extract import Extraction, extract, extract_answer
from referee_verifiers.math.grade import (
    PreparedGold,
    grade,
    grade_cheap,
    grade_prepared,
    prepare_gold,
    prepare_gold_cheap,
)

__all__ = [
    "Extraction",
    "PreparedGold",
    "compare",
    "extract",
    "extract_answer",
    "grade",
    "grade_cheap",
    "grade_prepared",
    "prepare_gold",
    "prepare_gold_cheap",
]
