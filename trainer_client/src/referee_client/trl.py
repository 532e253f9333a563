"""A Referee reward head for TRL's ``GRPOTrainer`` (and RLOO, which shares the interface).

    from referee_client.trl import RefereeReward
    trainer = GRPOTrainer(..., reward_funcs=[RefereeReward("http://referee:8000")])

TRL calls a reward function by keyword: ``prompts``, ``completions``, ``completion_ids``,
every other dataset column as a list (one entry per completion), ``trainer_state``,
``log_extra`` and ``log_metric``; it expects ``list[float | None]`` back (None: this head
does not apply to that sample). ``RefereeReward`` is async, so TRL runs several heads
concurrently.

Each sample becomes a Referee item from its dataset columns:
- a ``gold`` (or ``answer``) column: a math item;
- a ``tests`` column (a list of ``{"stdin", "stdout"}`` or that list as JSON) and/or
  ``test_code`` (with optional ``entry_point``): a code item;
- none of them: not applicable (None).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from referee_client._client import AsyncRefereeClient
from referee_client.protocol import CodeItem, IOTest, ItemResult, MathItem

GOLD_COLUMNS = ("gold", "answer")


def completion_text(completion: str | Sequence[dict[str, Any]]) -> str:
    """The text of a completion: plain, or the last assistant message of a conversation."""
    if isinstance(completion, str):
        return completion
    for message in reversed(completion):
        if message.get("role", "assistant") == "assistant":
            content = message.get("content", "")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _column(columns: dict[str, Any], name: str, i: int) -> Any:
    values = columns.get(name)
    return values[i] if values is not None and i < len(values) else None


def to_item(completion: str, columns: dict[str, Any], i: int) -> MathItem | CodeItem | None:
    """The Referee item for sample ``i``, or None when no column says how to judge it."""
    for name in GOLD_COLUMNS:
        gold = _column(columns, name, i)
        if gold is not None and str(gold).strip():
            return MathItem(kind="math", completion=completion, gold=str(gold))
    tests = _column(columns, "tests", i)
    if isinstance(tests, str):
        tests = json.loads(tests)
    test_code = _column(columns, "test_code", i)
    if tests or test_code:
        return CodeItem(
            kind="code",
            completion=completion,
            tests=[IOTest.model_validate(t) for t in tests] if tests else None,
            test_code=test_code,
            entry_point=_column(columns, "entry_point", i),
        )
    return None


class RefereeReward:
    """An async TRL reward function backed by a Referee service.

    Args:
        base_url: the Referee service.
        name: the head's name; TRL logs the reward under ``__name__``.
        client_options: passed to ``AsyncRefereeClient`` (``api_key``, ``timeout_s``, ...).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        name: str = "referee",
        **client_options: Any,
    ) -> None:
        self.__name__ = name
        self._base_url = base_url
        self._client_options = client_options
        self._clients: dict[asyncio.AbstractEventLoop, AsyncRefereeClient] = {}

    def _client(self) -> AsyncRefereeClient:
        # An httpx connection pool belongs to one event loop; keep one client per loop.
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self._clients[loop] = AsyncRefereeClient(self._base_url, **self._client_options)
        return self._clients[loop]

    async def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        trainer_state: Any = None,
        log_extra: Callable[[str, list[Any]], None] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        items = [to_item(completion_text(c), columns, i) for i, c in enumerate(completions)]
        wanted = [(i, item) for i, item in enumerate(items) if item is not None]
        results: list[ItemResult | None] = [None] * len(items)
        if wanted:
            scored = await self._client().score([item for _, item in wanted])
            for (i, _), result in zip(wanted, scored, strict=True):
                results[i] = result
        if log_metric is not None:
            counts = Counter(r.status.value for r in results if r is not None)
            for status, count in sorted(counts.items()):
                log_metric(f"{self.__name__}/{status}", count / len(items))
        if log_extra is not None:
            log_extra(f"{self.__name__}_status", [r.status.value if r else None for r in results])
        return [r.reward if r is not None else None for r in results]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
