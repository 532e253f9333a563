"""Whether trusted Python source (test code, a prelude, a checker) parses, without running it.

An item whose own code does not parse is the item's fault (``invalid_input``); deciding
that here, from the source alone, keeps the decision away from anything a program can
print or do.
"""

from __future__ import annotations

import warnings


def python_syntax_error(source: str, name: str) -> str | None:
    """Why ``source`` does not compile as Python (the message names ``name``), or None.

    Only compiled, never run. Compiler warnings (``"is" with a literal``) are not errors,
    whatever this process's warning filters say.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, f"<{name}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes
        return f"{name} does not parse: {exc}"
    return None
