"""Judging a job: dispatch by kind to the math or code judge, never raising per item."""

from referee_service.judge.code import CodeJudge
from referee_service.judge.dispatch import Judge
from referee_service.judge.math import MathJudge

__all__ = ["CodeJudge", "Judge", "MathJudge"]
