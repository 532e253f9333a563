"""Judging a job: dispatch by kind to the math, code or simple judge, never raising per item."""

from referee_service.judge.code import CodeJudge
from referee_service.judge.dispatch import Judge
from referee_service.judge.math import MathJudge
from referee_service.judge.simple import SimpleJudge

__all__ = ["CodeJudge", "Judge", "MathJudge", "SimpleJudge"]
