"""Math answers: extract the final answer, compare it with gold, grade."""

from referee_verifiers.math.compare import compare
from referee_verifiers.math.extract import extract_answer
from referee_verifiers.math.grade import grade

__all__ = ["compare", "extract_answer", "grade"]
