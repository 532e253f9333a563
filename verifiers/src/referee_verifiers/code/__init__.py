"""Pure helpers for code items: find the program, compare outputs and values, and speak
to the Python test harness that runs assert and function-call tests in the sandbox."""

from referee_verifiers.code.extract import extract_program
from referee_verifiers.code.harness_io import (
    HarnessReport,
    assert_request,
    call_request,
    harness_source,
    read_report,
)
from referee_verifiers.code.output import CompareMode, outputs_match
from referee_verifiers.code.syntax import python_syntax_error
from referee_verifiers.code.values import values_match

__all__ = [
    "CompareMode",
    "HarnessReport",
    "assert_request",
    "call_request",
    "extract_program",
    "harness_source",
    "outputs_match",
    "python_syntax_error",
    "read_report",
    "values_match",
]
