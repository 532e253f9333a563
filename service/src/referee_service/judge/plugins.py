"""Verifier plugins: item kinds served by verifiers installed as separate packages.

A plugin package declares an entry point in the group ``referee.verifiers``; its name is
the item ``kind`` it serves and its object a pure function ``(item: dict) -> Verdict``
(``referee_verifiers.Verdict``). The item dict is the request item as sent (``kind``,
``completion``, ``id`` and any other fields). For example, in the plugin's pyproject::

    [project.entry-points."referee.verifiers"]
    palindrome = "referee_palindrome:grade"

Plugins run like the built-in verifiers: in the isolated grading processes, under the
per-item time limit, so a plugin that hangs or crashes costs one item, never the worker.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from referee_client.protocol import BUILTIN_KINDS
from referee_verifiers import Verdict

log = logging.getLogger(__name__)

GROUP = "referee.verifiers"

PluginFn = Callable[[Mapping[str, Any]], Verdict]


@functools.cache
def plugin_kinds() -> frozenset[str]:
    """Kinds offered by installed plugins (read once per process)."""
    kinds = {ep.name for ep in entry_points(group=GROUP)} - BUILTIN_KINDS
    if kinds:
        log.info("verifier plugins installed: %s", ", ".join(sorted(kinds)))
    return frozenset(kinds)


def load_plugin(kind: str) -> PluginFn:
    """The verifier function of ``kind``; ``LookupError`` if no plugin serves it."""
    for ep in entry_points(group=GROUP, name=kind):
        fn: PluginFn = ep.load()
        return fn
    raise LookupError(f"no verifier plugin for kind {kind!r}")


def run_plugin(kind: str, item: Mapping[str, Any]) -> Verdict:
    """Grade ``item`` with its plugin. Runs inside a grading child process."""
    verdict = load_plugin(kind)(item)
    if not isinstance(verdict, Verdict):
        raise TypeError(f"plugin {kind!r} returned {type(verdict).__name__}, not a Verdict")
    return verdict
