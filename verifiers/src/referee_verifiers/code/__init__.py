"""Pure helpers for code items: find the program, compare outputs, wrap assert tests."""

from referee_verifiers.code.assert_tests import assert_passed, build_assert_program
from referee_verifiers.code.extract import extract_program
from referee_verifiers.code.output import outputs_match

__all__ = ["assert_passed", "build_assert_program", "extract_program", "outputs_match"]
