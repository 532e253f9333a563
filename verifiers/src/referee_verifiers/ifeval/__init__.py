"""IFEval instruction-following constraints: ``grade_ifeval`` judges a completion against a
list of IFEval instruction ids and their arguments, in IFEval's own row format.

One module per constraint family (``keywords``, ``length``, ``detectable_format``,
``detectable_content``, ``startend``, ``change_case``, ``combination``, ``punctuation``,
``language``); each registers its constraint classes under their instruction ids.
"""

from referee_verifiers.ifeval.grade import INSTRUCTION_IDS, grade_ifeval

__all__ = ["INSTRUCTION_IDS", "grade_ifeval"]
