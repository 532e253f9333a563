"""From a completion to the program it contains."""

from __future__ import annotations

import re
import textwrap

# An opening fence: up to three spaces' indent in Markdown, more tolerated here (lists),
# then ``` or ~~~ (three or more), then an optional info string (``python``, ``py title``).
_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened with ``fence`` (same character, as long)."""
    stripped = line.strip()
    return (
        len(stripped) >= len(fence)
        and stripped == stripped[0] * len(stripped)
        and stripped[0] == fence[0]
    )


def _fenced_blocks(completion: str) -> list[str]:
    blocks: list[str] = []
    lines = completion.splitlines()
    i = 0
    while i < len(lines):
        opening = _OPENING.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening.group("fence")
        body: list[str] = []
        i += 1
        while i < len(lines) and not _closes(lines[i], fence):
            body.append(lines[i])
            i += 1
        blocks.append("\n".join(body))  # an unterminated fence runs to the end
        i += 1
    return blocks


def _clean(program: str) -> str:
    return textwrap.dedent(program.strip("\r\n")).strip()


def extract_program(completion: str) -> str | None:
    """The program in a completion: its last non-empty fenced block, else the whole text.

    Fences are ```` ``` ```` or ``~~~`` with any language tag (``python``, ``py``, none);
    an unterminated last fence runs to the end of the completion. A block's common
    indentation is removed. None when there is no program (empty or blank completion,
    or only empty fenced blocks).

    Examples:
        >>> extract_program("Here:\\n```python\\nprint(1)\\n```\\nDone.")
        'print(1)'
        >>> extract_program("print(2)\\n")
        'print(2)'
    """
    blocks = _fenced_blocks(completion)
    if blocks:
        programs = [program for program in map(_clean, blocks) if program]
        return programs[-1] if programs else None
    program = _clean(completion)
    return program or None
