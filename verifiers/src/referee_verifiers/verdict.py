"""The result every verifier returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """A judged item: ``status`` says why, ``reward`` is in [0, 1], ``details`` explains.

    ``status`` uses the wire vocabulary of ``referee_client.protocol.Status`` as plain
    strings, so this package does not depend on the client.
    """

    status: str
    reward: float
    details: dict[str, Any] = field(default_factory=dict)
